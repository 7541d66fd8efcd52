package dev.cde.bridge.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.FrameCodec;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An instance is not trusted: whatever runs in it (a job's code, a hostile agent) holds the agent's side of the
 * tunnel. Here a hostile agent, served in the test, is the instance the real bridge connects to: it tries to open
 * channels back into the bridge, and it records which of a client's {@code tcp} channels the relay let through.
 */
@QuarkusTest
class InstanceIsolationTest {
  @Inject
  AgentLinks links;
  @Inject
  SigningKeys keys;
  @Inject
  BridgeHome home;
  @Inject
  Vertx vertx;

  @TestHTTPResource("/")
  URI bridge;

  private HttpServer agent;
  private final List<String> reachedAgent = new CopyOnWriteArrayList<>();
  private final CompletableFuture<List<Throwable>> backwardsOpens = new CompletableFuture<>();
  private final List<String> refusedTokens = new CopyOnWriteArrayList<>();
  private String sessionId;

  @BeforeEach
  void hostileAgent() throws Exception {
    sessionId = "s-isolation" + Long.toString(System.nanoTime(), 36);
    // As the agent serves: the bridge sends unmasked frames to an instance on loopback.
    agent = vertx.createHttpServer(new HttpServerOptions().setAcceptUnmaskedFrames(true).setMaxWebSocketFrameSize(65536)
        .setMaxWebSocketMessageSize(FrameCodec.MAX_MESSAGE)).requestHandler(req -> {
      try {
        // The bridge's token names this session, and no other: what a real agent checks.
        TunnelTokens.verify(keys.publicKey(), TunnelTokens.bearer(req.getHeader("Authorization")), sessionId);
      } catch (RuntimeException e) {
        refusedTokens.add(e.getMessage());
        req.response().setStatusCode(401).end();
        return;
      }
      req.toWebSocket().onSuccess(ws -> {
        TunnelSession t = TunnelSession.start(vertx, ws, false, Hello.of("agent", "hostile"), new TunnelOptions(),
            "hostile");
        t.openHandler(open -> {
          reachedAgent.add(open.request().kind() + " " + open.request().host() + ":" + open.request().port());
          open.reject(ErrorCode.REFUSED, "hostile agent: recorded");
        });
        // Back into the bridge: a process there, and a socket to the bridge's own port from the bridge's side.
        List<Future<?>> tries = List.of(t.open(OpenRequest.exec(List.of("sh", "-c", "cat ~/.cde/api-token"), null, null)),
            t.open(OpenRequest.tcp("127.0.0.1", bridge.getPort())), t.open(OpenRequest.pty(List.of("sh"), null, 80, 24,
                "xterm")));
        Future.join(tries).onComplete(ar -> backwardsOpens.complete(tries.stream().map(Future::cause).toList()));
      });
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    links.connect(sessionId, new Instance("hostile", URI.create("ws://127.0.0.1:" + agent.actualPort() + "/tunnel")))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    links.disconnect(sessionId);
    agent.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anInstanceCannotOpenAChannelIntoTheBridge() throws Exception {
    List<Throwable> refused = backwardsOpens.get(30, TimeUnit.SECONDS);
    assertThat(refused).hasSize(3).allSatisfy(e -> assertThat(e).isNotNull()
        .hasMessageContaining(AgentLinks.REFUSED_FROM_INSTANCE));
    assertThat(refusedTokens).isEmpty();
    // The refusals did not cost the session its tunnel: the bridge still relays into the instance.
    assertThat(links.isConnected(sessionId)).isTrue();
  }

  @Test
  void aClientsTcpChannelReachesNeitherMetadataServicesNorTheBridgeThroughAnInstanceOnItsHost() throws Exception {
    String token = Files.readString(home.apiToken()).strip();
    HttpClient http = TunnelClient.httpClient(vertx);
    TunnelSession client = TunnelClient.connect(vertx, http,
        URI.create("ws://" + bridge.getAuthority() + "/api/v1/sessions/" + sessionId + "/tunnel"),
        Map.of("Authorization", "Bearer " + token), Hello.of("client", "cde-test"), new TunnelOptions())
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      assertThat(refusal(client, "169.254.169.254", 80)).contains("link-local");
      assertThat(refusal(client, "fd00:ec2::254", 80)).contains("link-local");
      assertThat(refusal(client, "metadata.google.internal", 80)).contains("metadata service");
      assertThat(refusal(client, "2852039166", 80)).contains("dotted decimal"); // 169.254.169.254 as one number
      assertThat(refusal(client, "0xa9.0xfe.0xa9.0xfe", 80)).contains("dotted decimal");
      // The hostile agent listens on 127.0.0.1 like the local provider's: its loopback is the bridge's.
      assertThat(refusal(client, "127.0.0.1", bridge.getPort())).contains("is the bridge itself");
      assertThat(refusal(client, "localhost", bridge.getPort())).contains("is the bridge itself");
      assertThat(refusal(client, null, bridge.getPort())).contains("is the bridge itself");
      assertThat(reachedAgent).as("what the relay let through to the instance").isEmpty();
      // Another loopback port of the instance is what `cde forward` is for: passed on (the agent decides).
      assertThat(refusal(client, "127.0.0.1", 5432)).isEqualTo("hostile agent: recorded");
      await().atMost(Duration.ofSeconds(10)).until(() -> reachedAgent.size() == 1);
      assertThat(reachedAgent).containsExactly("tcp 127.0.0.1:5432");
    } finally {
      client.close("done");
      http.close();
    }
  }

  private static String refusal(TunnelSession client, String host, int port) throws Exception {
    try {
      client.open(OpenRequest.tcp(host, port))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause().getMessage();
    }
    throw new AssertionError("tcp to " + host + ":" + port + " was opened");
  }
}
