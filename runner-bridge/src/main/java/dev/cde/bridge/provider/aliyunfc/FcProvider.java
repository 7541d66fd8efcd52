package dev.cde.bridge.provider.aliyunfc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.LaunchedInstances;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.ProviderLimits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Function Compute 3.0: one custom-container function per instance shape ({@link FcFunctions}), created on its first
 * session and updated when its image or settings changed, with an anonymous HTTP trigger; a session is one WebSocket
 * request to that trigger, which FC serves from an instance of its own (instance concurrency 1) for up to 86,400 s.
 * The bridge dials {@code wss://<trigger>/tunnel} with the session's token, as it dials a local agent; nothing is
 * started until then, so launch only makes sure the function is there.
 *
 * <p>A function's environment is shared by all its sessions: it carries the bridge's public key and the agent's
 * idle timeout; variables that name one session are not put there (the agent then accepts a token for any session
 * the bridge signed). Credentials: the {@code ALIBABA_CLOUD_*} environment variables, never logged.
 */
@ApplicationScoped
public class FcProvider implements InstanceProvider {
  public static final String NAME = "aliyun-fc";
  private static final Logger LOG = Logger.getLogger(FcProvider.class);
  /** What every session of a function shares; the rest of a launch's env is the session's own. */
  static final List<String> SHARED_ENV = List.of("CDE_AGENT_PUBLIC_KEY", "CDE_IDLE_TIMEOUT_SECONDS");

  private final FcConfig config;
  private final Map<String, String> env;
  private final Clock clock;
  private final LaunchedInstances launched;

  @Inject
  public FcProvider(FcConfig config) {
    this(config, System.getenv(), Clock.systemUTC());
  }

  FcProvider(FcConfig config, Map<String, String> env, Clock clock) {
    this.config = config;
    this.env = env;
    this.clock = clock;
    this.launched = new LaunchedInstances(clock);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ProviderLimits limits() {
    return FcFunctions.LIMITS;
  }

  /** One deployed function/service environment for all sessions: theirs travel with the tunnel. */
  @Override
  public boolean sharesEnvironment() {
    return true;
  }

  @Override
  public Instance launch(LaunchRequest request) throws ProviderException {
    check(request.spec());
    String image = config.image().orElseThrow(() -> new ProviderException(
        "cde.aliyun-fc.image is not set: push the function image to Container Registry first (docs/providers.md)"));
    FcClient fc = client();
    FcFunctions.Shape shape = FcFunctions.Shape.of(request.spec());
    String name = shape.functionName(config.functionPrefix());
    Map<String, String> shared = new LinkedHashMap<>();
    SHARED_ENV.forEach(k -> Optional.ofNullable(request.env().get(k)).ifPresent(v -> shared.put(k, v)));
    ObjectNode desired = FcFunctions.body(shape, name, config, image, shared);
    Optional<JsonNode> existing = fc.function(name);
    if (existing.isEmpty()) {
      fc.createFunction(desired);
      LOG.infof("session %s: created function %s (%s vCPU, %d MB%s)", request.sessionId(), name,
          shape.cpu().toPlainString(), shape.memoryMb(), shape.gpu() == null ? "" : ", GPU " + shape.gpu());
    } else if (!matches(existing.get(), desired)) {
      fc.updateFunction(name, desired);
      LOG.infof("session %s: updated function %s to image %s", request.sessionId(), name, image);
    }
    JsonNode trigger = fc.trigger(name, FcFunctions.TRIGGER).orElse(null);
    if (trigger == null) {
      trigger = fc.createTrigger(name, FcFunctions.trigger());
    }
    String url = trigger.path("httpTrigger").path("urlInternet").asText("");
    if (url.isBlank()) {
      throw new ProviderException("Function Compute trigger " + name + "/" + FcFunctions.TRIGGER + " has no internet URL");
    }
    URI endpoint = URI.create(url.replaceFirst("^http", "ws").replaceAll("/+$", "") + "/tunnel");
    launched.launched(request.sessionId(), request.sessionId(), request.spec().maxDurationSeconds());
    LOG.infof("session %s: function %s ready at %s", request.sessionId(), name, endpoint.getHost());
    return new Instance(request.sessionId(), endpoint);
  }

  /** The settings the bridge manages are as it would set them (other settings an operator added are left alone). */
  static boolean matches(JsonNode current, ObjectNode desired) {
    return current.path("customContainerConfig").path("image").asText().equals(
        desired.path("customContainerConfig").path("image").asText())
        && current.path("memorySize").asLong() == desired.path("memorySize").asLong()
        && current.path("cpu").decimalValue().compareTo(desired.path("cpu").decimalValue()) == 0
        && current.path("environmentVariables").equals(desired.path("environmentVariables"))
        && current.path("gpuConfig").path("gpuType").asText("").equals(desired.path("gpuConfig").path("gpuType").asText(""));
  }

  /** The session's WebSocket is its invocation: once the bridge has closed it, FC ends the instance. */
  @Override
  public void stop(String instanceId) {
    if (launched.stopped(instanceId)) {
      LOG.infof("session %s: Function Compute request released", instanceId);
    }
  }

  @Override
  public InstanceStatus status(String instanceId) {
    return launched.status(instanceId);
  }

  @Override
  public List<HeldInstance> instances() {
    return launched.held();
  }

  private FcClient client() throws ProviderException {
    String region = config.region().or(() -> Optional.ofNullable(env.get("ALIBABA_CLOUD_REGION_ID")))
        .orElseThrow(() -> new ProviderException("no region: set cde.aliyun-fc.region or ALIBABA_CLOUD_REGION_ID"));
    URI endpoint = config.endpoint().orElseGet(() -> URI.create("https://" + config.accountId().orElse("missing-account-id")
        + "." + region + ".fc.aliyuncs.com"));
    if (config.endpoint().isEmpty() && config.accountId().isEmpty()) {
      throw new ProviderException("cde.aliyun-fc.account-id is not set (the FC endpoint is <account-id>.<region>.fc.aliyuncs.com)");
    }
    return new FcClient(endpoint, AliyunCredentials.fromEnv(env), clock);
  }
}
