package dev.cde.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.CuttableProxy;
import dev.cde.tunnel.SeqLines;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real agent process behind a TCP proxy that the test cuts, dialed the way the bridge dials it
 * (resumable, a fresh token per dial): a job's output survives the cuts line for line; an agent that stays
 * unreachable past {@code CDE_RESUME_GRACE_SECONDS} ends the job's channel and kills its process.
 */
class AgentResumeIT {
  static Vertx vertx;
  static HttpClient http;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    http = TunnelClient.httpClient(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static TunnelSession dial(AgentProcess agent, CuttableProxy proxy) throws Exception {
    return TunnelClient.connectResumable(vertx, http, URI.create("ws://127.0.0.1:" + proxy.port() + "/tunnel"),
            () -> Map.of("Authorization", "Bearer " + agent.token()), Hello.of("bridge", "test"), new TunnelOptions())
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aJobsOutputSurvivesCutsLineForLine() throws Exception {
    try (AgentProcess agent = new AgentProcess(Map.of("CDE_RESUME_GRACE_SECONDS", "30"));
        CuttableProxy proxy = new CuttableProxy(vertx, agent.port)) {
      TunnelSession tunnel = dial(agent, proxy);
      assertThat(tunnel.resumable()).isTrue();
      int lines = 2_000_000;
      Channel ch = tunnel.open(OpenRequest.exec(List.of("seq", "1", Integer.toString(lines)), null, null))
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      SeqLines out = new SeqLines();
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.exitHandler(exit::complete);
      ch.closeHandler(reason -> exit.completeExceptionally(new AssertionError("channel closed: " + reason)));
      ch.handler(b -> {
        long before = out.lines();
        out.accept(b);
        for (long at : new long[] {300_000, 900_000, 1_500_000}) {
          if (before < at && out.lines() >= at) {
            proxy.cut();
          }
        }
      });
      ch.end();
      assertThat(exit.get(120, TimeUnit.SECONDS).code()).isZero();
      assertThat(out.error()).isNull();
      assertThat(out.lines()).isEqualTo(lines);
      assertThat(proxy.cuts()).isEqualTo(3);
      assertThat(tunnel.resumeCount()).isEqualTo(3);
      assertThat(agent.log()).contains("tunnel resumed");
      tunnel.close("test over");
    }
  }

  @Test
  void pastTheGracePeriodTheJobEndsAndItsProcessIsKilled() throws Exception {
    try (AgentProcess agent = new AgentProcess(Map.of("CDE_RESUME_GRACE_SECONDS", "2"));
        CuttableProxy proxy = new CuttableProxy(vertx, agent.port)) {
      TunnelSession tunnel = dial(agent, proxy);
      Channel ch = tunnel.open(OpenRequest.exec(List.of("sh", "-c", "echo $$; exec sleep 600"), null, null))
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      CompletableFuture<String> pid = new CompletableFuture<>();
      CompletableFuture<String> closed = new CompletableFuture<>();
      ch.closeHandler(closed::complete);
      ch.handler(b -> pid.complete(b.toString(StandardCharsets.UTF_8).strip()));
      long job = Long.parseLong(pid.get(20, TimeUnit.SECONDS));
      assertThat(ProcessHandle.of(job)).isPresent();

      proxy.refuse(true);
      proxy.cut();
      assertThat(closed.get(20, TimeUnit.SECONDS)).startsWith("tunnel lost for more than 2 s: connection closed");
      await().atMost(Duration.ofSeconds(20)).until(() -> agent.log().contains("tunnel lost for more than 2 s"));
      await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(job).map(p -> !p.isAlive()).orElse(true));
    }
  }
}
