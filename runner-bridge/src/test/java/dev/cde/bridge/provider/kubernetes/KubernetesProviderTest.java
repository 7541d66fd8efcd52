package dev.cde.bridge.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.session.SessionIds;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the conformance suite cannot ask of every provider: a pod's failures in words, and leftovers found by label. */
class KubernetesProviderTest {
  static final String NS = "cde-ci";
  static final InstanceSpec CPU = new InstanceSpec("default", 1, 1024, null, 0, 600);

  KubernetesMockServer server;
  KubernetesClient client;
  FakeKubelet kubelet;
  KubernetesProvider provider;

  @BeforeEach
  void start() {
    server = KubernetesTestConfig.crudServer();
    client = server.createClient();
    kubelet = new FakeKubelet(client, NS);
    provider = new KubernetesProvider(KubernetesTestConfig.gpuCluster(Map.of("cde.kubernetes.namespace", NS,
        "cde.kubernetes.start-timeout", "3s")), client);
    provider.start();
  }

  @AfterEach
  void stop() {
    provider.close();
    kubelet.close();
    client.close();
    server.destroy();
  }

  static LaunchRequest request() {
    return new LaunchRequest(SessionIds.next(), CPU, Map.of("CDE_AGENT_PUBLIC_KEY", "k"));
  }

  @Test
  void anOomKilledPodHasExitedWithThatReason() throws Exception {
    Instance i = provider.launch(request());
    assertThat(provider.status(i.instanceId())).isEqualTo(InstanceStatus.RUNNING);
    assertThat(provider.exitReason(i.instanceId())).isEmpty();

    kubelet.set(i.instanceId(), FakeKubelet::oomKilled);
    assertThat(provider.status(i.instanceId())).isEqualTo(InstanceStatus.EXITED);
    assertThat(provider.exitReason(i.instanceId())).contains("pod failed: OOMKilled, exit code 137");
  }

  @Test
  void anEvictedPodSaysWhyItWasEvicted() throws Exception {
    Instance i = provider.launch(request());
    kubelet.set(i.instanceId(), FakeKubelet::evicted);
    assertThat(provider.status(i.instanceId())).isEqualTo(InstanceStatus.EXITED);
    // the informer's record, kept until the pod is deleted
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(provider.exitReason(i.instanceId()))
        .contains("pod failed: Evicted: The node was low on resource: memory."));
    provider.stop(i.instanceId());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(provider.exitReason(i.instanceId())).isEmpty());
  }

  @Test
  void aPodNoNodeCanTakeTimesOutSayingSoAndIsDeleted() {
    LaunchRequest r = new LaunchRequest(SessionIds.next(), new InstanceSpec("default", 4, 16384, "l4", 1, 600),
        Map.of("CDE_AGENT_PUBLIC_KEY", "k"));
    kubelet.outcome(r.sessionId(), FakeKubelet::unschedulable);
    Throwable e = catchThrowable(() -> provider.launch(r));
    assertThat(e).isInstanceOf(ProviderException.class).hasMessage("pod cde-" + r.sessionId() + " was not ready within"
        + " 3 s (cde.kubernetes.start-timeout): not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient"
        + " nvidia.com/gpu.");
    assertThat(client.pods().inNamespace(NS).withName("cde-" + r.sessionId()).get()).isNull();
    assertThat(client.secrets().inNamespace(NS).withName("cde-" + r.sessionId() + "-env").get()).isNull();
  }

  @Test
  void leftoversAreFoundByTheirSessionLabelAndOthersAreLeftAlone() throws Exception {
    Instance running = provider.launch(request());
    String cutShort = SessionIds.next(); // a secret whose pod was never made: the bridge died in between
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("cde-" + cutShort + "-env")
        .withLabels(PodSpecs.labels(cutShort)).endMetadata().build()).create();
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("someone-elses")
        .withLabels(Map.of("app", "other")).endMetadata().withNewSpec().addNewContainer().withName("c").withImage("x")
        .endContainer().endSpec().build()).create();

    String runningSession = running.instanceId().substring("cde-".length());
    assertThat(provider.instances()).containsExactlyInAnyOrder(new HeldInstance(running.instanceId(), runningSession),
        new HeldInstance("cde-" + cutShort, cutShort));

    provider.stop("cde-" + cutShort);
    assertThat(provider.instances()).containsExactly(new HeldInstance(running.instanceId(), runningSession));
    assertThat(client.pods().inNamespace(NS).withName("someone-elses").get()).isNotNull();
  }

  @Test
  void aTokenNeverShowsInThePodOnlyInItsSecret() throws Exception {
    LaunchRequest r = new LaunchRequest(SessionIds.next(), CPU, Map.of("CDE_AGENT_PUBLIC_KEY", "k",
        "CDE_CACHE_TOKEN", "tok-3f9a1c"));
    Instance i = provider.launch(r);
    String pod = io.fabric8.kubernetes.client.utils.Serialization.asJson(
        client.pods().inNamespace(NS).withName(i.instanceId()).get());
    assertThat(pod).doesNotContain("tok-3f9a1c").contains("cde-" + r.sessionId() + "-env");
  }
}
