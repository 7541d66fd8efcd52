package dev.cde.bridge.provider.kubernetes;

import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderConfig;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.ProviderLimits;
import dev.cde.bridge.provider.SpecRefusedException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Instances as pods: one pod per session from the function image, its agent's env (tokens) in a Secret of its own
 * that the pod owns, ready when the pod runs and its readiness probe on the agent's {@code /healthz} passes; the
 * tunnel endpoint is the pod's IP. The instance id is the pod's name, {@code cde-<session id>}. An informer watches
 * the pods for failures (image pull, OOM kill, eviction) and logs them as they happen; they become the launch
 * error or the session's end reason.
 */
@ApplicationScoped
public class KubernetesProvider implements InstanceProvider {
  public static final String NAME = "kubernetes";
  private static final Logger LOG = Logger.getLogger(KubernetesProvider.class);

  private final KubernetesConfig config;
  private final Supplier<KubernetesClient> clients;
  private final boolean ownsClient;
  private volatile KubernetesClient client;
  private volatile SharedIndexInformer<Pod> informer;
  /** Failures the informer saw, by pod name, until the pod is deleted. */
  private final Map<String, String> failures = new ConcurrentHashMap<>();

  /**
   * The client is made on first use (a bridge on another provider never reads a kubeconfig), from the standard
   * places, on the bridge's own Vert.x.
   */
  @Inject
  public KubernetesProvider(KubernetesConfig config, Vertx vertx) {
    this(config, () -> new KubernetesClientBuilder().withHttpClientFactory(new VertxHttpClientFactory(vertx)).build(),
        true);
  }

  /** With a client made elsewhere (the tests' mock API server); the caller closes it. */
  public KubernetesProvider(KubernetesConfig config, KubernetesClient client) {
    this(config, () -> client, false);
  }

  private KubernetesProvider(KubernetesConfig config, Supplier<KubernetesClient> clients, boolean ownsClient) {
    this.config = config;
    this.clients = clients;
    this.ownsClient = ownsClient;
  }

  @Override
  public String name() {
    return NAME;
  }

  void onStart(@Observes StartupEvent e, ProviderConfig provider) {
    if (NAME.equals(provider.name())) {
      if (config.image().isEmpty() && config.images().isEmpty()) {
        throw new IllegalStateException("cde.provider.name=kubernetes needs the function image: set cde.kubernetes.image");
      }
      // a toleration that does not parse stops the bridge now, not each GPU job later
      config.gpuTypes().values().forEach(g -> g.tolerations().orElse(List.of()).forEach(PodSpecs::toleration));
      start();
    }
  }

  /** Starts the failure informer; the bridge does it at startup when this provider is the active one. */
  public synchronized void start() {
    if (informer != null) {
      return;
    }
    String ns = namespace();
    informer = client().pods().inNamespace(ns).withLabel(PodSpecs.MANAGED_BY_LABEL, PodSpecs.MANAGED_BY)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            noteFailure(pod);
          }

          @Override
          public void onUpdate(Pod old, Pod pod) {
            noteFailure(pod);
          }

          @Override
          public void onDelete(Pod pod, boolean finalStateUnknown) {
            failures.remove(pod.getMetadata().getName());
          }
        });
    LOG.infof("kubernetes provider: pods in namespace %s, image %s, GPU types %s, NAS claim %s", ns,
        config.image().orElse("(per template)"), new TreeMap<>(config.gpuTypes()).keySet(),
        config.nasClaim().orElse("(none)"));
  }

  private void noteFailure(Pod pod) {
    Optional<String> failure = PodStates.failure(pod);
    if (failure.isPresent() && failures.put(pod.getMetadata().getName(), failure.get()) == null) {
      LOG.warnf("session %s: pod %s: %s", pod.getMetadata().getLabels().get(PodSpecs.SESSION_LABEL),
          pod.getMetadata().getName(), failure.get());
    }
  }

  @Override
  public ProviderLimits limits() {
    Map<String, Integer> gpus = config.gpuTypes().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, g -> g.getValue().maxCount()));
    return new ProviderLimits(config.maxDuration().map(d -> d.toSeconds()).orElse(Long.MAX_VALUE),
        config.maxCpu().orElse(Double.MAX_VALUE), config.maxMemoryMb().orElse(Long.MAX_VALUE), gpus, false);
  }

  /** The limits, and an image for the template: a pod without one could only fail to pull. */
  @Override
  public void check(InstanceSpec spec) throws SpecRefusedException {
    if (PodSpecs.image(config, spec.template()).isEmpty()) {
      throw new SpecRefusedException("provider " + NAME + " cannot run this spec: template '" + spec.template()
          + "' has no image (cde.kubernetes.images." + spec.template() + ")");
    }
    limits().check(NAME, spec);
  }

  @Override
  public Instance launch(LaunchRequest request) throws ProviderException {
    check(request.spec());
    String ns = namespace();
    Pod pod = PodSpecs.pod(config, request, ns);
    Secret secret = PodSpecs.secret(request, ns);
    String name = pod.getMetadata().getName();
    KubernetesClient k = client();
    try {
      k.secrets().inNamespace(ns).resource(secret).create();
    } catch (KubernetesClientException e) {
      throw new ProviderException("cannot create the secret " + secret.getMetadata().getName() + " in namespace " + ns
          + ": " + message(e), e);
    }
    Pod created;
    try {
      created = k.pods().inNamespace(ns).resource(pod).create();
    } catch (KubernetesClientException e) {
      delete(ns, name);
      throw new ProviderException("cannot create the pod " + name + " in namespace " + ns + ": " + message(e), e);
    }
    LOG.infof("session %s: pod %s created in namespace %s", request.sessionId(), name, ns);
    try {
      // The secret goes with its pod (the garbage collector deletes it), whoever deletes the pod.
      k.secrets().inNamespace(ns).withName(secret.getMetadata().getName()).edit(s -> new SecretBuilder(s)
          .editMetadata().withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
              .withName(name).withUid(created.getMetadata().getUid()).build()).endMetadata().build());
      Pod ready = awaitReady(k, ns, name);
      String ip = ready.getStatus().getPodIP();
      return new Instance(name, URI.create("ws://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + config.port()
          + "/tunnel"));
    } catch (ProviderException | RuntimeException e) {
      delete(ns, name);
      throw e instanceof ProviderException p ? p
          : new ProviderException("pod " + name + " did not start: " + message(e), e);
    }
  }

  private Pod awaitReady(KubernetesClient k, String ns, String name) throws ProviderException {
    Pod last;
    try {
      last = k.pods().inNamespace(ns).withName(name).waitUntilCondition(
          p -> p == null || PodStates.ready(p) || PodStates.failure(p).isPresent(),
          config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientTimeoutException e) {
      Pod now = k.pods().inNamespace(ns).withName(name).get();
      throw new ProviderException("pod " + name + " was not ready within " + config.startTimeout().toSeconds() + " s ("
          + "cde.kubernetes.start-timeout): " + PodStates.pending(now));
    }
    if (last == null || !PodStates.ready(last)) {
      throw new ProviderException("pod " + name + " did not start: " + PodStates.failure(last).orElse("not ready"));
    }
    return last;
  }

  /** Deletes the pod and its secret; stopping a pod that is gone does nothing. */
  @Override
  public void stop(String instanceId) {
    delete(namespace(), instanceId);
  }

  private void delete(String ns, String podName) {
    KubernetesClient k = client();
    try {
      if (!k.pods().inNamespace(ns).withName(podName).delete().isEmpty()) {
        LOG.infof("pod %s deleted", podName);
      }
    } catch (KubernetesClientException e) {
      LOG.warnf("pod %s: deleting failed: %s", podName, message(e));
    }
    try {
      // also where the pod never existed or the garbage collector is slow: nothing of the tokens is left
      k.secrets().inNamespace(ns).withName(podName + "-env").delete();
    } catch (KubernetesClientException e) {
      LOG.warnf("secret %s-env: deleting failed: %s", podName, message(e));
    }
  }

  @Override
  public InstanceStatus status(String instanceId) {
    try {
      return PodStates.status(client().pods().inNamespace(namespace()).withName(instanceId).get());
    } catch (KubernetesClientException e) {
      LOG.warnf("pod %s: reading its status failed: %s", instanceId, message(e));
      return InstanceStatus.UNKNOWN;
    }
  }

  @Override
  public Optional<String> exitReason(String instanceId) {
    String seen = failures.get(instanceId);
    if (seen != null) {
      return Optional.of(seen);
    }
    try {
      Pod pod = client().pods().inNamespace(namespace()).withName(instanceId).get();
      return pod == null ? Optional.empty() : PodStates.failure(pod);
    } catch (KubernetesClientException e) {
      return Optional.empty();
    }
  }

  /** The pods of this bridge's sessions, and secrets left without their pod (a launch cut short). */
  @Override
  public List<HeldInstance> instances() {
    String ns = namespace();
    KubernetesClient k = client();
    TreeMap<String, HeldInstance> held = new TreeMap<>();
    for (HasMetadata o : k.pods().inNamespace(ns).withLabel(PodSpecs.MANAGED_BY_LABEL, PodSpecs.MANAGED_BY)
        .withLabel(PodSpecs.SESSION_LABEL).list().getItems()) {
      held.put(o.getMetadata().getName(), held(o));
    }
    for (HasMetadata o : k.secrets().inNamespace(ns).withLabel(PodSpecs.MANAGED_BY_LABEL, PodSpecs.MANAGED_BY)
        .withLabel(PodSpecs.SESSION_LABEL).list().getItems()) {
      HeldInstance h = held(o);
      held.putIfAbsent(h.instanceId(), h);
    }
    return List.copyOf(held.values());
  }

  private static HeldInstance held(HasMetadata o) {
    String session = o.getMetadata().getLabels().get(PodSpecs.SESSION_LABEL);
    return new HeldInstance("cde-" + session, session);
  }

  String namespace() {
    return config.namespace().orElseGet(() -> Optional.ofNullable(client().getNamespace()).orElse("default"));
  }

  private KubernetesClient client() {
    KubernetesClient k = client;
    if (k == null) {
      synchronized (this) {
        if (client == null) {
          client = clients.get();
        }
        k = client;
      }
    }
    return k;
  }

  /** The API server's own words where it gave some (403 names the missing permission). */
  private static String message(Throwable e) {
    if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
      return k.getStatus().getMessage();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  @PreDestroy
  synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
    if (ownsClient && client != null) {
      client.close();
    }
  }
}
