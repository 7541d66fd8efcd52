package dev.cde.bridge.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderConformance;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The conformance suite on the kubernetes provider against fabric8's mock API server in CRUD mode, with
 * {@link FakeKubelet} playing scheduler and kubelet. No real API server can run here, and no pod runs an agent:
 * the tunnel and exec steps are declared out (reported skipped), everything the provider itself does is checked.
 */
class KubernetesConformanceTest extends ProviderConformance {
  static final String NS = "cde-ci";

  private KubernetesMockServer server;
  private KubernetesClient client;
  private FakeKubelet kubelet;
  private KubernetesProvider provider;

  @Override
  protected InstanceProvider provider() {
    if (provider == null) {
      server = KubernetesTestConfig.crudServer();
      client = server.createClient();
      kubelet = new FakeKubelet(client, NS);
      provider = new KubernetesProvider(KubernetesTestConfig.gpuCluster(Map.of("cde.kubernetes.namespace", NS,
          "cde.kubernetes.start-timeout", "20s")), client);
      provider.start();
    }
    return provider;
  }

  @Override
  protected void tearDown() {
    if (provider != null) {
      provider.close();
      kubelet.close();
      client.close();
      server.destroy();
    }
  }

  @Override
  protected Set<Capability> capabilities() {
    return Set.of();
  }

  /** The suite's launches ask for a GPU, so every step runs with the GPU parts of the pod in place. */
  @Override
  protected InstanceSpec spec() {
    return new InstanceSpec("default", 4, 16384, "l4", 1, 1800);
  }

  @Override
  protected List<InstanceSpec> unmeetableSpecs() {
    return List.of(
        new InstanceSpec("default", 4, 16384, "a100", 1, 1800), // no such GPU type configured
        new InstanceSpec("default", 4, 16384, "l4", 2, 1800), // one L4 per node
        new InstanceSpec("default", 32, 16384, null, 0, 1800), // over cde.kubernetes.max-cpu
        new InstanceSpec("default", 4, 131072, null, 0, 1800), // over cde.kubernetes.max-memory-mb
        new InstanceSpec("default", 4, 16384, null, 0, 7 * 3600), // over cde.kubernetes.max-duration
        new InstanceSpec("tensorflow", 4, 16384, null, 0, 1800)); // a template without an image
  }

  @Override
  protected FailingLaunch failingLaunch(LaunchRequest ok) {
    provider();
    kubelet.outcome(ok.sessionId(), FakeKubelet::imagePullBackOff);
    return new FailingLaunch(ok, "ImagePullBackOff: Back-off pulling image \"registry.example/nope:1\"");
  }

  /** The pod as the API server holds it: the GPU spec, and the env only in its secret, which the pod owns. */
  @Override
  protected void verifyLaunched(LaunchRequest request, Instance instance) {
    Pod pod = client.pods().inNamespace(NS).withName(instance.instanceId()).get();
    assertThat(pod.getMetadata().getLabels()).containsEntry(PodSpecs.SESSION_LABEL, request.sessionId());
    assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("1")).containsEntry("memory", new Quantity("16384Mi"));
    assertThat(pod.getSpec().getNodeSelector()).containsEntry("cloud.google.com/gke-accelerator", "nvidia-l4");
    assertThat(instance.tunnelEndpoint().toString()).isEqualTo("ws://" + pod.getStatus().getPodIP() + ":9000/tunnel");

    Secret secret = client.secrets().inNamespace(NS).withName(instance.instanceId() + "-env").get();
    assertThat(secret.getStringData()).containsEntry(PROBE_ENV, request.env().get(PROBE_ENV))
        .containsEntry("CDE_SESSION_ID", request.sessionId()).containsKey("CDE_AGENT_PUBLIC_KEY");
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("Pod");
      assertThat(o.getName()).isEqualTo(pod.getMetadata().getName());
      assertThat(o.getUid()).isEqualTo(pod.getMetadata().getUid()).isNotBlank();
    });
  }
}
