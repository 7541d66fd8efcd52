package dev.cde.bridge.provider.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * What the scheduler and the kubelet do to a pod, played against the mock API server (which only stores objects):
 * each new pod gets a status, by default Running and Ready with an address; a session can be told to fail instead
 * (an image that cannot be pulled, no node with room).
 */
final class FakeKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, UnaryOperator<PodStatus>> outcomes = new ConcurrentHashMap<>();
  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private final AtomicInteger ips = new AtomicInteger(10);
  private final SharedIndexInformer<Pod> informer;

  FakeKubelet(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    this.informer = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getPhase() == null) {
          // not on the informer's thread: it must not wait for its own API calls
          worker.execute(() -> start(pod));
        }
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
      }

      @Override
      public void onDelete(Pod pod, boolean unknown) {
      }
    });
  }

  /** The next pod of {@code sessionId} gets the status {@code outcome} makes, instead of Running and Ready. */
  void outcome(String sessionId, UnaryOperator<PodStatus> outcome) {
    outcomes.put(sessionId, outcome);
  }

  /** Changes a pod's status later on, as the kubelet does when a container is OOM-killed or the pod evicted. */
  void set(String podName, UnaryOperator<PodStatus> change) {
    Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
    client.pods().inNamespace(namespace).resource(new PodBuilder(pod).withStatus(change.apply(pod.getStatus())).build())
        .updateStatus();
  }

  private void start(Pod pod) {
    String session = pod.getMetadata().getLabels().get(PodSpecs.SESSION_LABEL);
    UnaryOperator<PodStatus> outcome = session == null ? null : outcomes.remove(session);
    PodStatus status = outcome != null ? outcome.apply(new PodStatus()) : running("10.42.0." + ips.incrementAndGet());
    client.pods().inNamespace(namespace).resource(new PodBuilder(pod).withStatus(status).build()).updateStatus();
  }

  static PodStatus running(String ip) {
    return new PodStatusBuilder().withPhase("Running").withPodIP(ip)
        .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .addToContainerStatuses(new ContainerStatusBuilder().withName(PodSpecs.CONTAINER).withReady(true)
            .withNewState().withNewRunning().endRunning().endState().build())
        .build();
  }

  static PodStatus imagePullBackOff(PodStatus ignored) {
    return new PodStatusBuilder().withPhase("Pending")
        .addToContainerStatuses(new ContainerStatusBuilder().withName(PodSpecs.CONTAINER).withReady(false)
            .withNewState().withNewWaiting().withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image \"registry.example/nope:1\"").endWaiting().endState().build())
        .build();
  }

  static PodStatus unschedulable(PodStatus ignored) {
    return new PodStatusBuilder().withPhase("Pending")
        .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").endCondition()
        .build();
  }

  static PodStatus oomKilled(PodStatus was) {
    return new PodStatusBuilder(was).withPhase("Failed").withConditions()
        .withContainerStatuses(new ContainerStatusBuilder().withName(PodSpecs.CONTAINER).withReady(false)
            .withNewState().withNewTerminated().withReason("OOMKilled").withExitCode(137).endTerminated().endState()
            .build())
        .build();
  }

  static PodStatus evicted(PodStatus was) {
    return new PodStatusBuilder(was).withPhase("Failed").withReason("Evicted")
        .withMessage("The node was low on resource: memory.").withConditions().withContainerStatuses().build();
  }

  @Override
  public void close() {
    informer.close();
    worker.shutdownNow();
  }
}
