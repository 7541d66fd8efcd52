package dev.cde.bridge.provider.kubernetes;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code cde.kubernetes.*} read by SmallRye from properties, as the bridge reads application.properties. */
final class KubernetesTestConfig {
  /** A GPU cluster as the docs describe it: L4 nodes on GKE (tainted), a shared-T4 pool with its own resource. */
  static final Map<String, String> GPU_CLUSTER = Map.ofEntries(
      Map.entry("cde.kubernetes.image", "registry.example/cde-function:1"),
      Map.entry("cde.kubernetes.images.pytorch", "registry.example/cde-pytorch:2"),
      Map.entry("cde.kubernetes.nas-claim", "cde-nas"),
      Map.entry("cde.kubernetes.node-selector.\"cde.dev/pool\"", "ci"),
      Map.entry("cde.kubernetes.gpu-types.l4.node-selector.\"cloud.google.com/gke-accelerator\"", "nvidia-l4"),
      Map.entry("cde.kubernetes.gpu-types.l4.tolerations", "nvidia.com/gpu:NoSchedule,dedicated=gpu:NoExecute"),
      Map.entry("cde.kubernetes.gpu-types.l4.max-count", "1"),
      Map.entry("cde.kubernetes.gpu-types.t4.node-selector.\"nvidia.com/gpu.product\"", "Tesla-T4-SHARED"),
      Map.entry("cde.kubernetes.gpu-types.t4.resource", "nvidia.com/gpu.shared"),
      Map.entry("cde.kubernetes.max-cpu", "16"),
      Map.entry("cde.kubernetes.max-memory-mb", "65536"),
      Map.entry("cde.kubernetes.max-duration", "6h"),
      Map.entry("cde.kubernetes.runtime-class-name", "nvidia"),
      Map.entry("cde.kubernetes.image-pull-secrets", "regcred"));

  private KubernetesTestConfig() {
  }

  static KubernetesConfig of(Map<String, String> properties) {
    SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(KubernetesConfig.class)
        .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
        .withSources(new PropertiesConfigSource(properties, "test", 100)).build();
    return config.getConfigMapping(KubernetesConfig.class);
  }

  /** fabric8's mock API server in CRUD mode: it stores, lists and watches what it is sent, as an API server does. */
  static io.fabric8.kubernetes.client.server.mock.KubernetesMockServer crudServer() {
    var server = new io.fabric8.kubernetes.client.server.mock.KubernetesMockServer(new io.fabric8.mockwebserver.Context(),
        new io.fabric8.mockwebserver.MockWebServer(), new java.util.HashMap<>(),
        new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), false);
    server.init();
    return server;
  }

  static KubernetesConfig gpuCluster(Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(GPU_CLUSTER);
    all.putAll(more);
    return of(all);
  }
}
