package dev.cde.bridge.provider.kubernetes;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code kubernetes} provider. The API server and credentials come from the standard places (the pod's service
 * account in a cluster, else {@code KUBECONFIG} or {@code ~/.kube/config}), never from here.
 */
@ConfigMapping(prefix = "cde.kubernetes")
public interface KubernetesConfig {
  /** Where instance pods run; default: the client's namespace (the bridge's own, in a cluster). */
  Optional<String> namespace();

  /** The function image, for the {@code default} template. */
  Optional<String> image();

  /** Images of other templates: {@code cde.kubernetes.images.pytorch=registry/cde-pytorch:1}. */
  Map<String, String> images();

  /** {@code Always}, {@code IfNotPresent} or {@code Never}; default: Kubernetes' own. */
  Optional<String> imagePullPolicy();

  /** Secrets in the namespace to pull the image with. */
  Optional<List<String>> imagePullSecrets();

  /** The agent's port in the pod ({@code PORT}). */
  @WithDefault("9000")
  int port();

  /** A ReadWriteMany PersistentVolumeClaim holding the NAS; mounted read-only in every pod. Unset: no NAS. */
  Optional<String> nasClaim();

  /** Where the NAS is mounted in the pod ({@code CDE_NAS}). */
  @WithDefault("/nas")
  String nasPath();

  /** The extended resource a GPU is counted in; a shared-GPU device plugin has its own (per type: {@code resource}). */
  @WithDefault("nvidia.com/gpu")
  String gpuResource();

  /** The GPU types offered, each with where its nodes are; a type not listed here is refused. */
  Map<String, GpuType> gpuTypes();

  /** Node selector for every pod (e.g. a node pool for CI), merged under a GPU type's own. */
  Map<String, String> nodeSelector();

  /** The pods' service account; unset: the namespace's default, with no API token mounted. */
  Optional<String> serviceAccount();

  /** A runtime class for every pod (e.g. {@code nvidia} where the GPU runtime is not the default). */
  Optional<String> runtimeClassName();

  /** The most CPUs one pod may ask for; unset: no limit of the provider's own. */
  Optional<Double> maxCpu();

  /** The most memory one pod may ask for, in MiB; unset: no limit of the provider's own. */
  Optional<Long> maxMemoryMb();

  /** The longest session; unset: no limit of the provider's own (a pod has none). */
  Optional<Duration> maxDuration();

  /** How long a pod may take to become ready (scheduling, image pull, the agent's start). */
  @WithDefault("5m")
  Duration startTimeout();

  interface GpuType {
    /** Labels of the nodes with this GPU, e.g. {@code cloud.google.com/gke-accelerator=nvidia-l4}. */
    Map<String, String> nodeSelector();

    /** Taints of those nodes to tolerate, as {@code key[=value][:Effect]} (no value: operator Exists). */
    Optional<List<String>> tolerations();

    /** The resource this type is counted in, where it is not {@code cde.kubernetes.gpu-resource}. */
    Optional<String> resource();

    /** The most of this GPU one pod may have (the GPUs of one node). */
    @WithDefault("8")
    int maxCount();
  }
}
