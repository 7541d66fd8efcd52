package dev.cde.bridge.provider.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.ProviderLimits;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.LaunchedInstances;
import dev.cde.bridge.provider.ProviderException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Each session is one asynchronous invocation ({@code InvocationType Event}) of the configured function, which runs
 * the function image's Lambda entry ({@code function-image/lambda-bootstrap.sh}). Lambda lets nothing in, so the
 * agent dials the bridge: the invocation's payload carries the agent's environment, including the dial URL and the
 * session's dial token. An invocation cannot be cancelled: stopping ends the tunnel with GOAWAY, on which the
 * agent exits and the invocation returns. Credentials: the AWS SDK's default chain (environment, profile, web
 * identity, container or instance role); they are never logged.
 */
@ApplicationScoped
public class LambdaProvider implements InstanceProvider {
  public static final String NAME = "lambda";
  private static final Logger LOG = Logger.getLogger(LambdaProvider.class);

  private final LambdaConfig config;
  private final Supplier<AwsCredentialsIdentity> credentials;
  private final Map<String, String> env;
  private final LaunchedInstances launched;
  private volatile LambdaClient client;

  @Inject
  public LambdaProvider(LambdaConfig config) {
    this(config, new DefaultChain(), System.getenv(), Clock.systemUTC());
  }

  LambdaProvider(LambdaConfig config, Supplier<AwsCredentialsIdentity> credentials, Map<String, String> env, Clock clock) {
    this.config = config;
    this.credentials = credentials;
    this.env = env;
    this.launched = new LaunchedInstances(clock);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ProviderLimits limits() {
    return LambdaLimits.PLATFORM;
  }

  /** The invocations this bridge process started and has not released (Lambda cannot list invocations). */
  @Override
  public List<HeldInstance> instances() {
    return launched.held();
  }

  @Override
  public boolean dialsOut() {
    return true;
  }

  @Override
  public Instance launch(LaunchRequest request) throws ProviderException {
    InstanceSpec spec = request.spec();
    check(spec);
    String function = config.functionName().orElseThrow(() -> new ProviderException(
        "cde.lambda.function-name is not set: deploy the function image as a Lambda function first (docs/providers.md)"));
    JsonNode fn = client().configuration(function);
    if (!"Active".equals(fn.path("State").asText("Active"))) {
      throw new ProviderException("Lambda function " + function + " is " + fn.path("State").asText() + ": "
          + fn.path("StateReason").asText("no reason given"));
    }
    LambdaLimits.check(spec, function, fn.path("MemorySize").asLong(128), fn.path("Timeout").asLong(3));
    ObjectNode payload = CloudApi.JSON.createObjectNode().put("sessionId", request.sessionId());
    payload.set("env", CloudApi.JSON.valueToTree(request.env()));
    String requestId = client().invokeAsync(function, payload.toString());
    launched.launched(requestId, request.sessionId(), spec.maxDurationSeconds());
    LOG.infof("session %s: Lambda function %s invoked (request %s); waiting for its agent to dial in",
        request.sessionId(), function, requestId);
    return Instance.dialingOut(requestId);
  }

  @Override
  public void stop(String instanceId) {
    // Nothing to call: Lambda cannot cancel an invocation. The bridge's GOAWAY has ended the agent, or the
    // function's timeout will.
    if (launched.stopped(instanceId)) {
      LOG.infof("Lambda invocation %s released", instanceId);
    }
  }

  @Override
  public InstanceStatus status(String instanceId) {
    return launched.status(instanceId);
  }

  private LambdaClient client() throws ProviderException {
    if (client == null) {
      String region = config.region().or(() -> Optional.ofNullable(env.get("AWS_REGION")))
          .or(() -> Optional.ofNullable(env.get("AWS_DEFAULT_REGION"))).orElseThrow(() -> new ProviderException(
              "no AWS region: set cde.lambda.region or AWS_REGION"));
      URI endpoint = config.endpoint().orElse(URI.create("https://lambda." + region + ".amazonaws.com"));
      client = new LambdaClient(endpoint, region, credentials);
    }
    return client;
  }

  /** The SDK's default chain, made on first use (it reads files and may call the instance metadata service). */
  private static final class DefaultChain implements Supplier<AwsCredentialsIdentity> {
    private volatile DefaultCredentialsProvider chain;

    @Override
    public AwsCredentialsIdentity get() {
      if (chain == null) {
        chain = DefaultCredentialsProvider.builder().build();
      }
      return chain.resolveCredentials();
    }
  }
}
