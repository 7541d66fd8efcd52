package dev.cde.bridge.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionIds;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelRejectedException;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link InstanceProvider} must do, run against the provider itself (no bridge around it): launch with
 * a spec and env, ready, the tunnel taking a bridge-signed token (and no other), exec in the instance, stop, status
 * after stop, stop twice, a launch failure reported with its cause, and a spec it cannot meet refused before
 * anything is launched.
 *
 * <p>A provider's test extends this class and supplies the provider and what only it knows:
 * <pre>{@code
 * class KubernetesConformanceTest extends ProviderConformance {
 *   protected InstanceProvider provider() { return provider; }
 *   protected Set<Capability> capabilities() { return Set.of(); }        // no real pod: no tunnel, no exec
 *   protected List<InstanceSpec> unmeetableSpecs() { ... }
 *   protected FailingLaunch failingLaunch(LaunchRequest ok) { ... }      // e.g. the image cannot be pulled
 *   protected void verifyLaunched(LaunchRequest r, Instance i) { ... }   // e.g. the pod's resources and env
 * }
 * }</pre>
 * Steps the provider cannot run in its test (the tunnel and exec where no real instance runs) are declared by
 * leaving them out of {@link #capabilities()}: they are then reported as skipped with the reason, never passed.
 * Each test launches what it needs and everything launched is stopped after it, whatever happened.
 */
public abstract class ProviderConformance {
  /** What the provider's instances do in this test environment. */
  public enum Capability {
    /** The instance's tunnel endpoint can be dialled from the test (a real agent answers there). */
    TUNNEL,
    /** Processes run in the instance through the tunnel (implies {@link #TUNNEL}). */
    EXEC
  }

  /** A launch the provider must fail, and words its {@link ProviderException} must hold. */
  public record FailingLaunch(LaunchRequest request, String reasonContains) {
  }

  /** The variable every conformance launch passes, with a value of its own, to see the env reach the instance. */
  public static final String PROBE_ENV = "CDE_CONFORMANCE_PROBE";

  private final KeyPair bridgeKey = TunnelTokens.generateKeyPair();
  private final List<String> launched = new ArrayList<>();
  private Vertx vertx;

  /** The provider under test. */
  protected abstract InstanceProvider provider();

  /** What this test environment lets instances do; see {@link Capability}. */
  protected abstract Set<Capability> capabilities();

  /** At least one spec the provider must refuse, in {@link InstanceProvider#check} and in launch, naming why. */
  protected abstract List<InstanceSpec> unmeetableSpecs();

  /** Arranges a launch that must fail (from {@code wellFormed}, a request that would succeed). */
  protected abstract FailingLaunch failingLaunch(LaunchRequest wellFormed) throws Exception;

  /** Checks, in the provider's own terms, that the instance got the request's spec and env. */
  protected abstract void verifyLaunched(LaunchRequest request, Instance instance) throws Exception;

  /** The spec every launch of the suite asks for; a provider with GPUs overrides it with a GPU spec. */
  protected InstanceSpec spec() {
    return new InstanceSpec("default", 1, 512, null, 0, 600);
  }

  /** How long one launch or tunnel step may take. */
  protected Duration timeout() {
    return Duration.ofSeconds(60);
  }

  /**
   * Opens the bridge's tunnel to the instance with {@code token} as the broker's {@code AgentLinks} does; a provider
   * whose agent dials out instead overrides this.
   */
  protected TunnelSession connect(Vertx vertx, Instance instance, String token) throws Exception {
    URI endpoint = instance.tunnelEndpoint();
    return TunnelClient.connect(vertx, TunnelClient.httpClient(vertx, TunnelClient.isLoopback(endpoint)), endpoint,
        Map.of("Authorization", "Bearer " + token), Hello.of("bridge", "cde-conformance"), new TunnelOptions())
        .toCompletionStage().toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A request for a new session with {@code spec}, carrying the env the broker gives every agent. */
  protected final LaunchRequest request(InstanceSpec spec) {
    String session = SessionIds.next();
    Map<String, String> env = new LinkedHashMap<>(SessionBroker.agentEnv(
        TunnelTokens.encodePublicKey(bridgeKey.getPublic()), session, spec.maxDurationSeconds(), Duration.ofMinutes(5),
        Duration.ofSeconds(30)));
    env.put(PROBE_ENV, "probe-" + UUID.randomUUID());
    return new LaunchRequest(session, spec, env);
  }

  /** A token as the bridge signs it for the broker's dial. */
  protected final String bridgeToken(String sessionId) {
    return TunnelTokens.issue(bridgeKey.getPrivate(), sessionId, Duration.ofMinutes(5));
  }

  /** Launches and remembers the instance, so it is stopped after the test. */
  protected final Instance launch(LaunchRequest request) throws ProviderException {
    Instance i = provider().launch(request);
    launched.add(i.instanceId());
    return i;
  }

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  /**
   * Frees what the provider's test set up for one test (a mock server, a fake platform), called after everything
   * launched was stopped: a subclass's own {@code @AfterEach} would run before that.
   */
  protected void tearDown() throws Exception {
  }

  @AfterEach
  void stopWhatWasLaunched() throws Exception {
    try {
      for (String id : launched) {
        provider().stop(id);
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      tearDown();
    }
  }

  @Test
  void launchReturnsAReadyInstanceThatGotTheSpecAndEnv() throws Exception {
    LaunchRequest req = request(spec());
    provider().check(req.spec());
    Instance i = launch(req);

    assertThat(i.instanceId()).isNotBlank();
    assertThat(i.tunnelEndpoint()).as("the tunnel endpoint").isNotNull();
    if (provider().dialsOut()) {
      assertThat(i.dialsOut()).as("an instance whose agent dials the bridge says so").isTrue();
    } else {
      assertThat(i.tunnelEndpoint().getScheme()).isIn("ws", "wss");
    }
    assertThat(provider().status(i.instanceId())).isEqualTo(InstanceStatus.RUNNING);
    assertThat(provider().instances()).contains(new HeldInstance(i.instanceId(), req.sessionId()));
    verifyLaunched(req, i);
  }

  @Test
  void theTunnelTakesTheBridgeSignedTokenAndNoOther() throws Exception {
    assumeTrue(capabilities().contains(Capability.TUNNEL) || capabilities().contains(Capability.EXEC),
        provider().name() + ": no agent is reachable in this test environment (declared), so the tunnel is not dialled");
    LaunchRequest req = request(spec());
    Instance i = launch(req);

    TunnelSession t = connect(vertx, i, bridgeToken(req.sessionId()));
    try {
      Hello hello = t.remoteHello().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(hello.role()).isEqualTo("agent");
      assertThat(hello.sessionId()).isEqualTo(req.sessionId());
      assertThat(hello.cpus()).isPositive();
    } finally {
      t.close("conformance: done");
    }

    KeyPair stranger = TunnelTokens.generateKeyPair();
    assertThat(rootCause(catchThrowable(() -> connect(vertx, i,
        TunnelTokens.issue(stranger.getPrivate(), req.sessionId(), Duration.ofMinutes(5))))))
        .as("a token signed by another key").isInstanceOf(TunnelRejectedException.class);
    assertThat(rootCause(catchThrowable(() -> connect(vertx, i, bridgeToken(SessionIds.next())))))
        .as("a token for another session").isInstanceOf(TunnelRejectedException.class);
  }

  @Test
  void execRunsInTheInstanceWithTheLaunchEnv() throws Exception {
    assumeTrue(capabilities().contains(Capability.EXEC),
        provider().name() + ": no agent runs processes in this test environment (declared), so exec is not tried");
    LaunchRequest req = request(spec());
    Instance i = launch(req);

    TunnelSession t = connect(vertx, i, bridgeToken(req.sessionId()));
    try {
      Channel ch = t.open(OpenRequest.exec(List.of("sh", "-c", "echo \"$" + PROBE_ENV + "\"; echo oops >&2; exit 3"),
          null, null)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Buffer out = Buffer.buffer();
      Buffer err = Buffer.buffer();
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.handler(out::appendBuffer);
      ch.errHandler(err::appendBuffer);
      ch.exitHandler(exit::complete);
      ch.end();
      assertThat(exit.get(30, TimeUnit.SECONDS).code()).isEqualTo(3);
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(req.env().get(PROBE_ENV) + "\n");
      assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("oops\n");
    } finally {
      t.close("conformance: done");
    }
  }

  @Test
  void stopEndsTheInstanceAndStoppingAgainIsHarmless() throws Exception {
    LaunchRequest req = request(spec());
    Instance i = launch(req);
    assertThat(provider().status(i.instanceId()).alive()).isTrue();

    provider().stop(i.instanceId());
    assertThat(provider().status(i.instanceId())).as("status after stop").isEqualTo(InstanceStatus.EXITED);
    assertThat(provider().instances()).extracting(HeldInstance::instanceId).doesNotContain(i.instanceId());

    provider().stop(i.instanceId());
    assertThat(provider().status(i.instanceId())).as("status after a second stop").isEqualTo(InstanceStatus.EXITED);
    provider().stop("never-launched-" + SessionIds.next());
    assertThat(provider().status("never-launched-" + SessionIds.next()).alive()).isFalse();
  }

  @Test
  void aFailedLaunchSaysWhyAndLeavesNothingBehind() throws Exception {
    FailingLaunch failing = failingLaunch(request(spec()));
    Throwable e = catchThrowable(() -> launch(failing.request()));
    assertThat(e).isInstanceOf(ProviderException.class).hasMessageContaining(failing.reasonContains());
    assertThat(provider().instances()).extracting(HeldInstance::sessionId)
        .as("nothing is left of the failed launch").doesNotContain(failing.request().sessionId());
  }

  @Test
  void aSpecItCannotMeetIsRefusedBeforeAnythingIsLaunched() throws Exception {
    List<InstanceSpec> refused = unmeetableSpecs();
    assertThat(refused).as("the provider's test names specs it cannot meet").isNotEmpty();
    provider().check(spec()); // the suite's own spec passes
    for (InstanceSpec spec : refused) {
      assertThatThrownBy(() -> provider().check(spec)).as("check(%s)", spec)
          .isInstanceOf(SpecRefusedException.class).hasMessageStartingWith("provider " + provider().name() + " cannot run");
      LaunchRequest req = request(spec);
      assertThatThrownBy(() -> launch(req)).as("launch(%s)", spec).isInstanceOf(SpecRefusedException.class);
      assertThat(provider().instances()).extracting(HeldInstance::sessionId).doesNotContain(req.sessionId());
    }
  }

  private static Throwable rootCause(Throwable e) {
    while ((e instanceof ExecutionException || e instanceof java.util.concurrent.CompletionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
