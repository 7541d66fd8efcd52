package dev.cde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelRejectedException;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tunnel as a client meets it: the real bridge process, the real agent in its sandbox, channels
 * relayed through the bridge. Bulk bytes and an interactive channel share one tunnel; bad clients
 * are cut off without harming anyone else.
 */
class TunnelThroughBridgeIT {
  static RealBridge bridge;
  static Vertx vertx;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    bridge = RealBridge.start();
    vertx = Vertx.vertx();
    http = TunnelClient.httpClient(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (bridge != null) {
      bridge.close();
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  TunnelSession attach(String sessionId, String token) throws Exception {
    return await(TunnelClient.connect(vertx, http, URI.create(bridge.wsUrl() + "/api/v1/sessions/" + sessionId + "/tunnel"),
        token == null ? Map.of() : Map.of("Authorization", "Bearer " + token), Hello.of("client", "it"), new TunnelOptions()));
  }

  @Test
  void sixtyFourMibThroughATcpChannelWhileAnExecChannelStaysResponsive() throws Exception {
    String id = bridge.createSession();
    byte[] payload = new byte[64 << 20];
    new Random(42).nextBytes(payload);
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
    try (ServerSocket sink = new ServerSocket(0)) {
      CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
        try (Socket s = sink.accept(); InputStream in = s.getInputStream()) {
          MessageDigest md = MessageDigest.getInstance("SHA-256");
          byte[] buf = new byte[64 * 1024];
          long total = 0;
          int n;
          while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
            total += n;
          }
          return total + ":" + HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      TunnelSession tunnel = attach(id, bridge.token());
      Channel bulk = await(tunnel.open(OpenRequest.tcp("127.0.0.1", sink.getLocalPort())));
      Channel cat = await(tunnel.open(OpenRequest.exec(List.of("cat"), null, null)));
      AtomicReference<CompletableFuture<Void>> echoed = new AtomicReference<>();
      cat.handler(b -> echoed.get().complete(null));

      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        for (int off = 0; off < payload.length; off += 32 * 1024) {
          Buffer chunk = Buffer.buffer().appendBytes(payload, off, Math.min(32 * 1024, payload.length - off));
          try {
            // wait when the channel's queue is full: the writer feels the receiver's pace
            while (bulk.writeQueueFull()) {
              Thread.sleep(1);
            }
            bulk.write(chunk);
          } catch (InterruptedException e) {
            throw new RuntimeException(e);
          }
        }
        bulk.end();
      });
      List<Double> rtts = new ArrayList<>();
      while (!sent.isDone() || rtts.size() < 20) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        echoed.set(f);
        long t0 = System.nanoTime();
        cat.write(Buffer.buffer("x"));
        f.get(5, TimeUnit.SECONDS); // an interactive channel is never starved for seconds
        rtts.add((System.nanoTime() - t0) / 1e6);
      }
      assertThat(received.get(120, TimeUnit.SECONDS)).isEqualTo(payload.length + ":" + expected);
      Collections.sort(rtts);
      System.out.printf("echo round trips during the 64 MiB transfer: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms%n",
          rtts.size(), rtts.get(rtts.size() / 2), rtts.get((int) (rtts.size() * 0.99)), rtts.get(rtts.size() - 1));
      cat.end();
      tunnel.close("done");
    } finally {
      bridge.endSession(id);
    }
  }

  @Test
  void badTokensAreRefusedByTheBridge() throws Exception {
    String id = bridge.createSession();
    try {
      assertThatThrownBy(() -> attach(id, null)).hasRootCauseInstanceOf(TunnelRejectedException.class).hasMessageContaining("401");
      assertThatThrownBy(() -> attach(id, "wrong-" + bridge.token())).hasMessageContaining("401")
          .satisfies(e -> assertThat(e.toString()).doesNotContain(bridge.token()));
      assertThatThrownBy(() -> attach("s-nosuchsession", bridge.token())).hasMessageContaining("404");
      HttpResponse<String> list = bridge.api(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/v1/sessions"))
          .header("Authorization", "Bearer nope").GET());
      assertThat(list.statusCode()).isEqualTo(401);
      assertThat(list.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
    } finally {
      bridge.endSession(id);
    }
  }

  @Test
  void malformedAndOversizedFramesCloseOnlyTheOffendingConnection() throws Exception {
    String id = bridge.createSession();
    String otherId = bridge.createSession();
    try {
      TunnelSession other = attach(otherId, bridge.token());
      Channel otherCat = await(other.open(OpenRequest.exec(List.of("cat"), null, null)));
      StringBuffer otherEchoed = new StringBuffer();
      otherCat.handler(b -> otherEchoed.append(b.toString()));
      TunnelSession good = attach(id, bridge.token());
      Channel cat = await(good.open(OpenRequest.exec(List.of("cat"), null, null)));
      StringBuffer echoed = new StringBuffer();
      cat.handler(b -> echoed.append(b.toString()));

      for (Buffer garbage : List.of(
          Buffer.buffer(new byte[] {9, 9, 9}),                                     // truncated header
          Buffer.buffer().appendByte((byte) 7).appendBytes(new byte[11]),          // bad version
          Buffer.buffer(new byte[300 * 1024]))) {                                  // oversized message
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(bridge.port())
            .setURI("/api/v1/sessions/" + id + "/tunnel").addHeader("Authorization", "Bearer " + bridge.token());
        WebSocket raw = await(http.webSocket(o));
        CompletableFuture<String> closed = new CompletableFuture<>();
        raw.closeHandler(v -> closed.complete(raw.closeStatusCode() + " " + raw.closeReason()));
        raw.writeBinaryMessage(garbage);
        String why = closed.get(20, TimeUnit.SECONDS);
        assertThat(why).matches("(1002|1009) .+");
      }
      // the good client on the same session goes on, and the bridge is healthy
      cat.write(Buffer.buffer("still here"));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> echoed.toString().equals("still here"));
      assertThat(bridge.health()).isEqualTo(200);
      // and so does another session
      otherCat.write(Buffer.buffer("other session"));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> otherEchoed.toString().equals("other session"));
      cat.end();
      good.close("done");
      other.close("done");
    } finally {
      bridge.endSession(id);
      bridge.endSession(otherId);
    }
  }

  @Test
  void twoClientsShareOneTerminal() throws Exception {
    String id = bridge.createSession();
    try {
      TunnelSession owner = attach(id, bridge.token());
      Channel term = await(owner.open(OpenRequest.pty(List.of("sh"), Map.of("PS1", "$ "), 80, 24, "xterm")));
      StringBuffer ownerSaw = new StringBuffer();
      term.handler(b -> ownerSaw.append(b.toString()));
      TunnelSession viewer = attach(id, bridge.token());
      Channel view = await(viewer.open(OpenRequest.attach(null, false)));
      StringBuffer viewerSaw = new StringBuffer();
      CompletableFuture<ExitStatus> viewerExit = new CompletableFuture<>();
      view.handler(b -> viewerSaw.append(b.toString()));
      view.exitHandler(viewerExit::complete);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> viewerSaw.toString().contains("read-only"));
      view.write(Buffer.buffer("echo typed-by-viewer\n")); // ignored: read-only
      term.write(Buffer.buffer("echo shared-$((6*7))\n"));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> viewerSaw.toString().contains("shared-42"));
      assertThat(ownerSaw.toString()).contains("shared-42").doesNotContain("typed-by-viewer");
      term.write(Buffer.buffer("exit 5\n"));
      assertThat(viewerExit.get(10, TimeUnit.SECONDS).code()).isEqualTo(5);
      owner.close("done");
      viewer.close("done");
    } finally {
      bridge.endSession(id);
    }
  }

  @Test
  void anInstanceCannotReadTheBridgesSecrets() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(new java.io.File("/usr/bin/bwrap").canExecute(),
        "the local provider sandboxes instances only with bubblewrap");
    String id = bridge.createSession();
    try {
      TunnelSession tunnel = attach(id, bridge.token());
      Channel ch = await(tunnel.open(OpenRequest.exec(List.of("sh", "-c",
          "cat '" + bridge.home + "/signing-key.pem' '" + bridge.home + "/api-token'; echo rc=$?; "
              + "env | grep -c CDE_AGENT_PUBLIC_KEY"), null, null)));
      StringBuffer out = new StringBuffer();
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.handler(b -> out.append(b.toString()));
      ch.errHandler(b -> out.append(b.toString()));
      ch.exitHandler(exit::complete);
      exit.get(20, TimeUnit.SECONDS);
      assertThat(out.toString()).doesNotContain("PRIVATE KEY").doesNotContain(bridge.token())
          .contains("No such file").contains("rc=1").containsPattern("(?m)^0$");
      tunnel.close("done");
    } finally {
      bridge.endSession(id);
    }
  }

  @Test
  void endingTheSessionReportsItsCost() throws Exception {
    String id = bridge.createSession();
    JsonNode ended = bridge.endSession(id);
    assertThat(ended.path("state").asText()).isEqualTo("ENDED");
    // billed from the agent's answer to the release, to the millisecond (no minimum under the local table): a
    // session ended at once may cost less than the millionth of a dollar the record keeps, but it has a cost
    JsonNode cost = ended.path("cost");
    assertThat(cost.path("priceTable").asText()).isEqualTo("local/default");
    assertThat(cost.path("currency").asText()).isEqualTo("USD");
    assertThat(cost.path("billedSeconds").isNumber()).as(ended.toString()).isTrue();
    assertThat(cost.path("billedSeconds").decimalValue()).isGreaterThan(java.math.BigDecimal.ZERO)
        .isLessThanOrEqualTo(java.math.BigDecimal.valueOf(java.time.Duration.between(
            java.time.Instant.parse(ended.path("startedAt").asText()),
            java.time.Instant.parse(ended.path("endedAt").asText())).toMillis(), 3));
    assertThat(cost.path("total").decimalValue()).isNotNegative()
        .isEqualByComparingTo(ended.path("costUsd").decimalValue());
    assertThat(Json.MAPPER.writeValueAsString(ended)).doesNotContain(bridge.token());
  }
}
