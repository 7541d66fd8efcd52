package dev.cde.bridge.provider.cloudrun;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.provider.CloudApi;
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
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Google Cloud Run: the function image deployed by the operator as one or more services (docs/providers.md), each
 * serving one request per instance; a session is one WebSocket request to the first service that fits its spec,
 * which Cloud Run keeps open up to the service's request timeout (at most 3,600 s). Launch reads the services from
 * the Admin API and checks that they fit and that they trust this bridge's key; the bridge then dials
 * {@code wss://<service>/tunnel}. Credentials: {@code GOOGLE_APPLICATION_CREDENTIALS} or the metadata server.
 */
@ApplicationScoped
public class CloudRunProvider implements InstanceProvider {
  public static final String NAME = "cloud-run";
  private static final Logger LOG = Logger.getLogger(CloudRunProvider.class);

  private final CloudRunConfig config;
  private final GoogleTokens tokens;
  private final CloudApi api = new CloudApi("Cloud Run");
  private final LaunchedInstances launched;

  @Inject
  public CloudRunProvider(CloudRunConfig config) {
    this(config, System.getenv(), Clock.systemUTC());
  }

  CloudRunProvider(CloudRunConfig config, Map<String, String> env, Clock clock) {
    this.config = config;
    this.tokens = new GoogleTokens(env, config.metadataUrl(), clock);
    this.launched = new LaunchedInstances(clock);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ProviderLimits limits() {
    return ServiceFit.LIMITS;
  }

  /** One deployed function/service environment for all sessions: theirs travel with the tunnel. */
  @Override
  public boolean sharesEnvironment() {
    return true;
  }

  @Override
  public Instance launch(LaunchRequest request) throws ProviderException {
    check(request.spec());
    String project = config.project().orElseThrow(() -> new ProviderException("cde.cloud-run.project is not set"));
    String region = config.region().orElseThrow(() -> new ProviderException("cde.cloud-run.region is not set"));
    List<String> services = config.services().filter(l -> !l.isEmpty()).orElseThrow(() -> new ProviderException(
        "cde.cloud-run.services is not set: deploy the function image as a Cloud Run service first (docs/providers.md)"));
    List<String> refusals = new ArrayList<>();
    for (String name : services) {
      JsonNode service = api.call(HttpRequest.newBuilder(config.endpoint().resolve("/v2/projects/" + project + "/locations/"
          + region + "/services/" + name)).header("Authorization", "Bearer " + tokens.token()).GET().build(),
          "GetService(" + name + ")");
      List<String> why = ServiceFit.misfits(service, request.spec());
      String key = request.env().get("CDE_AGENT_PUBLIC_KEY");
      if (key != null && !key.equals(env(service, "CDE_AGENT_PUBLIC_KEY"))) {
        why.add("its CDE_AGENT_PUBLIC_KEY is not this bridge's public key (redeploy with --set-env-vars, docs/providers.md)");
      }
      if (why.isEmpty() && !service.path("uri").asText("").isBlank()) {
        URI endpoint = URI.create(service.path("uri").asText().replaceFirst("^http", "ws").replaceAll("/+$", "") + "/tunnel");
        launched.launched(request.sessionId(), request.sessionId(), request.spec().maxDurationSeconds());
        LOG.infof("session %s: Cloud Run service %s at %s", request.sessionId(), name, endpoint.getHost());
        return new Instance(request.sessionId(), endpoint);
      }
      refusals.add(name + ": " + (why.isEmpty() ? "it has no URL yet" : String.join("; ", why)));
    }
    throw new ProviderException("no Cloud Run service can carry this session (" + String.join(" | ", refusals) + ")");
  }

  private static String env(JsonNode service, String name) {
    for (JsonNode e : service.path("template").path("containers").path(0).path("env")) {
      if (name.equals(e.path("name").asText())) {
        return e.path("value").asText(null);
      }
    }
    return null;
  }

  /** The session's WebSocket is its request: once the bridge has closed it, Cloud Run may end the instance. */
  @Override
  public void stop(String instanceId) {
    if (launched.stopped(instanceId)) {
      LOG.infof("session %s: Cloud Run request released", instanceId);
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
}
