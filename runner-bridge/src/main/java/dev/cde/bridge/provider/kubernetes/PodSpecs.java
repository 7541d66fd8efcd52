package dev.cde.bridge.provider.kubernetes;

import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderException;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The pod and the Secret of one session, built from its launch request and the provider's config; no API calls. */
final class PodSpecs {
  /** Ties pods and secrets to their session: what the orphan sweep selects by. */
  static final String SESSION_LABEL = "cde.dev/session";
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "cde-bridge";
  static final String CONTAINER = "agent";
  static final String NAS_VOLUME = "nas";
  /** Kept after the session's own limit, so a pod whose bridge is gone still ends (the agent's own limit is 60 s). */
  static final long DEADLINE_GRACE_SECONDS = 120;
  // A pod name is a DNS-1123 label once "cde-" and "-env" are added; a session id from SessionIds fits.
  private static final Pattern SESSION_ID = Pattern.compile("[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?");
  private static final Pattern TOLERATION = Pattern.compile("([A-Za-z0-9./_-]+)(?:=([A-Za-z0-9._-]*))?(?::(NoSchedule|PreferNoSchedule|NoExecute))?");

  private PodSpecs() {
  }

  static String podName(String sessionId) throws ProviderException {
    if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) {
      throw new ProviderException("session id '" + sessionId + "' cannot name a pod (lower-case letters, digits, '-')");
    }
    return "cde-" + sessionId;
  }

  static String secretName(String sessionId) throws ProviderException {
    return podName(sessionId) + "-env";
  }

  /** The image of a template: {@code cde.kubernetes.images.<template>}, or {@code cde.kubernetes.image} for default. */
  static Optional<String> image(KubernetesConfig c, String template) {
    String image = c.images().get(template);
    if (image == null && (template == null || "default".equals(template))) {
      return c.image();
    }
    return Optional.ofNullable(image);
  }

  static Map<String, String> labels(String sessionId) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(SESSION_LABEL, sessionId);
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    labels.put("app.kubernetes.io/name", "cde-instance");
    return labels;
  }

  /** The agent's env, tokens included: kept out of the pod spec (readable by anyone who may list pods). */
  static Secret secret(LaunchRequest r, String namespace) throws ProviderException {
    return new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(secretName(r.sessionId())).withNamespace(namespace)
            .withLabels(labels(r.sessionId())).build())
        .withType("Opaque")
        .withStringData(new TreeMap<>(r.env()))
        .withImmutable(true)
        .build();
  }

  static Pod pod(KubernetesConfig c, LaunchRequest r, String namespace) throws ProviderException {
    InstanceSpec spec = r.spec();
    String name = podName(r.sessionId());
    String image = image(c, spec.template()).orElseThrow(() -> new ProviderException(
        "template '" + spec.template() + "' has no image (cde.kubernetes.images." + spec.template() + ")"));

    Map<String, Quantity> resources = new LinkedHashMap<>();
    resources.put("cpu", cpu(spec.cpu()));
    resources.put("memory", new Quantity(spec.memoryMb() + "Mi"));
    Map<String, String> nodeSelector = new TreeMap<>(c.nodeSelector());
    List<Toleration> tolerations = new ArrayList<>();
    if (spec.gpuCount() > 0) {
      KubernetesConfig.GpuType gpu = c.gpuTypes().get(spec.gpuType());
      if (gpu == null) {
        throw new ProviderException("gpu type '" + spec.gpuType() + "' is not in cde.kubernetes.gpu-types");
      }
      resources.put(gpu.resource().orElse(c.gpuResource()), new Quantity(Integer.toString(spec.gpuCount())));
      nodeSelector.putAll(gpu.nodeSelector());
      for (String t : gpu.tolerations().orElse(List.of())) {
        tolerations.add(toleration(t));
      }
    }

    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVar("PORT", Integer.toString(c.port()), null));
    env.add(new EnvVar("CDE_BIND", "0.0.0.0", null));
    if (c.nasClaim().isPresent()) {
      env.add(new EnvVar("CDE_NAS", c.nasPath(), null));
    }
    ContainerBuilder container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        .withImagePullPolicy(c.imagePullPolicy().orElse(null))
        .addNewPort().withName("tunnel").withContainerPort(c.port()).withProtocol("TCP").endPort()
        .withEnv(env)
        .addNewEnvFrom().withNewSecretRef().withName(secretName(r.sessionId())).withOptional(false).endSecretRef().endEnvFrom()
        // Guaranteed QoS: what was asked is what the job gets, and what the cost report prices.
        .withNewResources().withRequests(resources).withLimits(resources).endResources()
        .withNewReadinessProbe()
          .withNewHttpGet().withPath("/healthz").withNewPort(c.port()).endHttpGet()
          .withPeriodSeconds(2).withFailureThreshold(3).withTimeoutSeconds(2)
        .endReadinessProbe();

    PodSpecBuilder pod = new PodSpecBuilder()
        .withRestartPolicy("Never")
        .withActiveDeadlineSeconds(spec.maxDurationSeconds() + DEADLINE_GRACE_SECONDS)
        .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
        .withTolerations(tolerations.isEmpty() ? null : tolerations)
        .withRuntimeClassName(c.runtimeClassName().orElse(null))
        .withServiceAccountName(c.serviceAccount().orElse(null))
        // A job's code must not get the API credentials of whatever account the pod runs as, unless one was chosen.
        .withAutomountServiceAccountToken(c.serviceAccount().isPresent() ? null : Boolean.FALSE)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(10L);
    c.imagePullSecrets().ifPresent(s -> pod.withImagePullSecrets(s.stream().map(LocalObjectReference::new).toList()));
    if (c.nasClaim().isPresent()) {
      // read-only as the local provider binds it: instances read the caches, writes go through the bridge
      container.addToVolumeMounts(new VolumeMountBuilder().withName(NAS_VOLUME).withMountPath(c.nasPath())
          .withReadOnly(true).build());
      pod.addToVolumes(new VolumeBuilder().withName(NAS_VOLUME).withNewPersistentVolumeClaim()
          .withClaimName(c.nasClaim().get()).withReadOnly(true).endPersistentVolumeClaim().build());
    }
    pod.withContainers(container.build());

    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("cde.dev/template", spec.template());
    annotations.put("cde.dev/cpu", plain(spec.cpu()));
    annotations.put("cde.dev/memory-mb", Long.toString(spec.memoryMb()));
    annotations.put("cde.dev/gpu", spec.gpuCount() == 0 ? "none" : spec.gpuType() + ":" + spec.gpuCount());
    annotations.put("cde.dev/max-duration-seconds", Long.toString(spec.maxDurationSeconds()));
    ObjectMeta meta = new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels(r.sessionId()))
        .withAnnotations(annotations).build();
    return new PodBuilder().withMetadata(meta).withSpec(pod.build()).build();
  }

  /** {@code key[=value][:Effect]}, as {@code kubectl taint} writes a taint; without a value the key must exist. */
  static Toleration toleration(String text) {
    Matcher m = TOLERATION.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("toleration '" + text + "' is not key[=value][:Effect]"
          + " (Effect: NoSchedule, PreferNoSchedule or NoExecute)");
    }
    TolerationBuilder t = new TolerationBuilder().withKey(m.group(1)).withEffect(m.group(3));
    return (m.group(2) == null ? t.withOperator("Exists") : t.withOperator("Equal").withValue(m.group(2))).build();
  }

  /** Millicores: Kubernetes reads {@code 0.25} too, but {@code 250m} is what it writes back. */
  static Quantity cpu(double cpus) {
    return new Quantity(BigDecimal.valueOf(cpus).movePointRight(3).setScale(0, java.math.RoundingMode.CEILING)
        .toPlainString() + "m");
  }

  private static String plain(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v).toLowerCase(Locale.ROOT);
  }
}
