package dev.cde.bridge.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pod built for a session, checked field by field: what the cluster will be asked for. */
class PodSpecsTest {
  static final KubernetesConfig CONFIG = KubernetesTestConfig.gpuCluster(Map.of());

  static LaunchRequest request(InstanceSpec spec) {
    return new LaunchRequest("s-abcdefgh23", spec, Map.of("CDE_AGENT_PUBLIC_KEY", "MCowBQYDK2VwAyEA", "CDE_SESSION_ID",
        "s-abcdefgh23", "CDE_CACHE_TOKEN", "secret-token-value"));
  }

  @Test
  void anL4PodAsksForTheGpuInLimitsAndLandsOnL4NodesTolerated() throws Exception {
    Pod pod = PodSpecs.pod(CONFIG, request(new InstanceSpec("default", 4, 16384, "l4", 1, 1800)), "ci");
    Container agent = pod.getSpec().getContainers().get(0);

    assertThat(pod.getMetadata().getName()).isEqualTo("cde-s-abcdefgh23");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("ci");
    assertThat(pod.getMetadata().getLabels()).containsEntry("cde.dev/session", "s-abcdefgh23")
        .containsEntry("app.kubernetes.io/managed-by", "cde-bridge");
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("cde.dev/gpu", "l4:1")
        .containsEntry("cde.dev/template", "default").containsEntry("cde.dev/max-duration-seconds", "1800");
    assertThat(agent.getImage()).isEqualTo("registry.example/cde-function:1");
    Map<String, Quantity> expected = Map.of("cpu", new Quantity("4000m"), "memory", new Quantity("16384Mi"),
        "nvidia.com/gpu", new Quantity("1"));
    assertThat(agent.getResources().getLimits()).isEqualTo(expected);
    assertThat(agent.getResources().getRequests()).isEqualTo(expected);
    assertThat(pod.getSpec().getNodeSelector()).isEqualTo(Map.of("cde.dev/pool", "ci",
        "cloud.google.com/gke-accelerator", "nvidia-l4"));
    assertThat(pod.getSpec().getTolerations()).extracting(Toleration::getKey, Toleration::getOperator,
        Toleration::getValue, Toleration::getEffect).containsExactly(
        org.assertj.core.groups.Tuple.tuple("nvidia.com/gpu", "Exists", null, "NoSchedule"),
        org.assertj.core.groups.Tuple.tuple("dedicated", "Equal", "gpu", "NoExecute"));
    assertThat(pod.getSpec().getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(1800 + 120);
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSpec().getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("regcred");

    // the NAS: the RWX claim, read-only in the volume and in the mount
    assertThat(pod.getSpec().getVolumes()).singleElement().satisfies(v -> {
      assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("cde-nas");
      assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
    });
    assertThat(agent.getVolumeMounts()).singleElement().satisfies(m -> {
      assertThat(m.getMountPath()).isEqualTo("/nas");
      assertThat(m.getReadOnly()).isTrue();
    });
    // ready = the agent's /healthz; the port the agent is told is the one probed and dialled
    assertThat(agent.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(agent.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9000);
    assertThat(agent.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly("PORT=9000", "CDE_BIND=0.0.0.0", "CDE_NAS=/nas");
    // tokens only through the secret, never in the pod spec
    assertThat(agent.getEnvFrom()).singleElement().satisfies(f ->
        assertThat(f.getSecretRef().getName()).isEqualTo("cde-s-abcdefgh23-env"));
    assertThat(Serialization.asYaml(pod)).doesNotContain("secret-token-value").doesNotContain("MCowBQYDK2VwAyEA");
  }

  @Test
  void aSharedGpuTypeIsCountedInItsOwnResource() throws Exception {
    Pod pod = PodSpecs.pod(CONFIG, request(new InstanceSpec("pytorch", 2.5, 8192, "t4", 2, 600)), "ci");
    Container agent = pod.getSpec().getContainers().get(0);
    assertThat(agent.getImage()).isEqualTo("registry.example/cde-pytorch:2");
    assertThat(agent.getResources().getLimits()).containsEntry("nvidia.com/gpu.shared", new Quantity("2"))
        .containsEntry("cpu", new Quantity("2500m")).doesNotContainKey("nvidia.com/gpu");
    assertThat(pod.getSpec().getNodeSelector()).containsEntry("nvidia.com/gpu.product", "Tesla-T4-SHARED");
    assertThat(pod.getSpec().getTolerations()).isNull();
  }

  @Test
  void aCpuPodHasNoGpuNoGpuNodesAndNoNasWithoutAClaim() throws Exception {
    KubernetesConfig plain = KubernetesTestConfig.of(Map.of("cde.kubernetes.image", "img:1",
        "cde.kubernetes.service-account", "cde-instance"));
    Pod pod = PodSpecs.pod(plain, request(new InstanceSpec("default", 0.25, 512, null, 0, 600)), "ci");
    Container agent = pod.getSpec().getContainers().get(0);
    assertThat(agent.getResources().getLimits()).isEqualTo(Map.of("cpu", new Quantity("250m"), "memory",
        new Quantity("512Mi")));
    assertThat(pod.getSpec().getNodeSelector()).isNull();
    assertThat(pod.getSpec().getVolumes()).isNullOrEmpty();
    assertThat(agent.getEnv()).extracting(e -> e.getName()).doesNotContain("CDE_NAS");
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("cde-instance");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isNull();
  }

  @Test
  void theSecretHoldsTheAgentsEnvAndIsTiedToTheSession() throws Exception {
    Secret s = PodSpecs.secret(request(new InstanceSpec("default", 1, 512, null, 0, 600)), "ci");
    assertThat(s.getMetadata().getName()).isEqualTo("cde-s-abcdefgh23-env");
    assertThat(s.getMetadata().getLabels()).containsEntry("cde.dev/session", "s-abcdefgh23");
    assertThat(s.getStringData()).containsEntry("CDE_CACHE_TOKEN", "secret-token-value").hasSize(3);
    assertThat(s.getImmutable()).isTrue();
  }

  @Test
  void namesAndTolerationsThatCannotBeAreRefused() {
    assertThatThrownBy(() -> PodSpecs.podName("S_upper")).isInstanceOf(ProviderException.class)
        .hasMessageContaining("cannot name a pod");
    assertThatThrownBy(() -> PodSpecs.toleration("gpu:Sometimes")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key[=value][:Effect]");
    assertThat(PodSpecs.toleration("example.com/spot=true").getOperator()).isEqualTo("Equal");
    assertThat(PodSpecs.toleration("example.com/spot=true").getEffect()).isNull();
  }
}
