package dev.cde.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged agent in dial-out mode against a stand-in bridge: it dials with its dial token, serves the tunnel
 * with the bridge in the tunnel's client role (an exec runs), dials again when the connection drops without
 * GOAWAY, and exits when the bridge refuses it.
 */
class DialOutIT {
  static final String DIAL_TOKEN = "dial-token-for-this-test";
  Vertx vertx;
  HttpServer bridge;
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final AtomicInteger dials = new AtomicInteger();
  final CompletableFuture<ServerWebSocket> firstDial = new CompletableFuture<>();
  final CompletableFuture<TunnelSession> firstTunnel = new CompletableFuture<>();

  @BeforeEach
  void standInBridge() throws Exception {
    vertx = Vertx.vertx();
    bridge = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req -> {
      authorizations.add(req.getHeader("Authorization"));
      if (dials.incrementAndGet() > 1) {
        // the session ended meanwhile: the bridge says so, and the agent must give up
        req.response().setStatusCode(404).end("session ended");
        return;
      }
      req.toWebSocket().onSuccess(ws -> {
        // as AgentLinks does: the bridge keeps the tunnel's client role although the agent dialed; started here, on
        // the socket's event loop, before the agent's HELLO can be read
        firstTunnel.complete(TunnelSession.start(vertx, ws, true, Hello.of("bridge", "stand-in"), new TunnelOptions(),
            "agent"));
        firstDial.complete(ws);
      });
    }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theAgentDialsServesTheTunnelDialsAgainAfterADropAndGivesUpWhenRefused() throws Exception {
    String url = "ws://127.0.0.1:" + bridge.actualPort() + "/api/v1/sessions/s-dial/agent";
    try (AgentProcess agent = new AgentProcess(Map.of("CDE_DIAL_OUT_URL", url, "CDE_AGENT_DIAL_TOKEN", DIAL_TOKEN))) {
      TunnelSession tunnel = firstTunnel.get(30, TimeUnit.SECONDS);
      Hello hello = tunnel.remoteHello().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(hello.role()).isEqualTo("agent");
      assertThat(hello.sessionId()).isEqualTo(agent.sessionId);
      Channel ch = tunnel.open(OpenRequest.exec(List.of("sh", "-c", "echo served over a dialed tunnel"), null, null))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Buffer out = Buffer.buffer();
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.handler(out::appendBuffer);
      ch.exitHandler(exit::complete);
      ch.end();
      assertThat(exit.get(30, TimeUnit.SECONDS).code()).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("served over a dialed tunnel\n");

      // a drop without GOAWAY (a proxy, a bridge restart): the agent dials again; refused, it exits
      firstDial.get().close((short) 1001, "dropped");
      assertThat(agent.exited.get(30, TimeUnit.SECONDS)).isZero();
      assertThat(dials.get()).isEqualTo(2);
      assertThat(authorizations).containsOnly("Bearer " + DIAL_TOKEN);
      assertThat(agent.log()).contains("the bridge refused the tunnel").doesNotContain(DIAL_TOKEN);
    }
  }
}
