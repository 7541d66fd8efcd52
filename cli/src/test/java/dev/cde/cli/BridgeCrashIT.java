package dev.cde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kill -9} of the packaged bridge while a {@code cde run} job prints and another session sits idle, then a
 * restart on the same home and H2 database. The local provider's instances (plain processes, and in bubblewrap)
 * outlive the bridge, so the restarted bridge re-attaches both sessions: they are RUNNING and a command runs in
 * each again. Ending them then leaves no agent process (the process table is read, by each session's
 * {@code CDE_SESSION_ID}), each ended session has one cost, and a further restart recomputes none: the costs API's
 * total is the sum of the two, before and after.
 */
class BridgeCrashIT {
  /** The bridge's default {@code cde.session.reconcile-every}: the time the guarantee is stated in. */
  static final Duration RECONCILE = Duration.ofSeconds(5);
  static final String LOOP = "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done";

  Vertx vertx;
  HttpClient tunnels;
  final List<RealBridge> started = new ArrayList<>();
  final List<Process> clients = new ArrayList<>();

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
    tunnels = TunnelClient.httpClient(vertx);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : clients) {
      p.destroyForcibly();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    for (int i = 0; i < started.size(); i++) {
      RealBridge b = started.get(i);
      if (i == started.size() - 1) {
        b.close(); // deletes the home
      } else if (b.process.isAlive()) {
        b.kill();
      }
    }
  }

  @ParameterizedTest(name = "sandbox {0}")
  @ValueSource(strings = {"none", "bwrap"})
  void sessionsOutliveAKilledBridgeAndAreReattachedWithOneCostEach(String sandbox) throws Exception {
    if (sandbox.equals("bwrap")) {
      Assumptions.assumeTrue(bwrapWorks(), "bubblewrap is not usable here");
    }
    Path home = Files.createTempDirectory("cde-crash-home");
    // a short resume grace: the cde run below re-dials its dead bridge for that long before it gives up
    Map<String, String> config = Map.of("cde.local.sandbox", sandbox, "cde.session.resume-grace", "5s");
    RealBridge first = start(home, config);
    String idle = first.createSession();
    Path out = home.resolve("run.out");
    Process run = cde(first, out, "run", "--cpu", "1", "--memory", "1g", "--", "sh", "-c", LOOP);
    await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(out) && Files.readString(out).contains("tick 3"));
    String job = runningSessions(first).stream().filter(id -> !id.equals(idle)).findFirst().orElseThrow();
    assertThat(agentProcesses(idle)).isNotEmpty();
    assertThat(agentProcesses(job)).isNotEmpty();

    first.kill();
    // what makes re-attaching possible: the instances do not die with the bridge (no --die-with-parent)
    Thread.sleep(1000);
    assertThat(agentProcesses(idle)).as("the idle session's agent after the bridge died").isNotEmpty();
    assertThat(agentProcesses(job)).as("the job's agent after the bridge died").isNotEmpty();
    // the client of the job lost its bridge: past the resume grace it says so and exits rather than hanging
    assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("cde run exits when its bridge is gone").isTrue();
    assertThat(run.exitValue()).isNotZero();

    RealBridge second = start(home, config);
    for (String id : List.of(idle, job)) {
      JsonNode s = second.session(id);
      assertThat(s.path("state").asText()).as(id + " after the restart: " + s).isEqualTo("RUNNING");
      // the restarted bridge reopens the tunnel at start; within one reconcile interval a command runs again
      await().atMost(RECONCILE.plusSeconds(10)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .untilAsserted(() -> assertThat(exec(second, id, "echo again")).isEqualTo("again\n"));
    }
    assertThat(Files.readString(second.log)).contains("session " + idle + ": instance " + idle + " survived the bridge restart");

    JsonNode endedIdle = second.endSession(idle);
    JsonNode endedJob = second.endSession(job);
    for (JsonNode s : List.of(endedIdle, endedJob)) {
      assertThat(s.path("state").asText()).as(s.toString()).isEqualTo("ENDED");
      assertThat(s.path("cost").path("total").decimalValue()).as(s.toString()).isPositive();
    }
    await().atMost(RECONCILE).untilAsserted(() -> {
      assertThat(agentProcesses(idle)).as("processes of " + idle).isEmpty();
      assertThat(agentProcesses(job)).as("processes of " + job).isEmpty();
    });
    BigDecimal sum = endedIdle.path("cost").path("total").decimalValue().add(endedJob.path("cost").path("total").decimalValue());
    assertThat(totalCost(second, 2)).isEqualByComparingTo(sum);

    // one cost each, kept: a further crash and restart recomputes nothing and adds nothing
    second.kill();
    RealBridge third = start(home, config);
    for (JsonNode before : List.of(endedIdle, endedJob)) {
      JsonNode after = third.session(before.path("id").asText());
      assertThat(after.path("state").asText()).isEqualTo("ENDED");
      assertThat(after.path("cost")).isEqualTo(before.path("cost"));
      assertThat(after.path("endedAt")).isEqualTo(before.path("endedAt"));
    }
    assertThat(totalCost(third, 2)).isEqualByComparingTo(sum);
    assertThat(runningSessions(third)).isEmpty();

    // an end is kept even when the bridge dies right after it: the embedded database writes each commit at once
    // (H2 delays its writes by up to a second otherwise, and a kill -9 within it undid the end)
    String last = third.createSession();
    JsonNode endedLast = third.endSession(last);
    third.kill();
    RealBridge fourth = start(home, config);
    JsonNode afterLast = fourth.session(last);
    assertThat(afterLast.path("state").asText()).as(afterLast.toString()).isEqualTo("ENDED");
    assertThat(afterLast.path("endReason")).isEqualTo(endedLast.path("endReason"));
    assertThat(afterLast.path("cost")).isEqualTo(endedLast.path("cost"));
  }

  /**
   * A bridge that never comes back: the agent's own limit ends it. With a resume grace of 2 s and an idle timeout of
   * 3 s, an idle session's agent exits by itself once its bridge is gone, so a crashed bridge leaves no process
   * behind for long.
   */
  @ParameterizedTest(name = "sandbox {0}")
  @ValueSource(strings = {"none"})
  void anAgentWhoseBridgeNeverReturnsExitsAfterItsIdleTimeout(String sandbox) throws Exception {
    Path home = Files.createTempDirectory("cde-crash-home");
    // the agent keeps its dropped tunnel for the resume grace, then waits the idle timeout for a new one
    RealBridge bridge = start(home, Map.of("cde.local.sandbox", sandbox, "cde.session.agent-idle-timeout", "3s",
        "cde.session.resume-grace", "2s"));
    String idle = bridge.createSession();
    assertThat(agentProcesses(idle)).isNotEmpty();
    bridge.kill();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(agentProcesses(idle)).isEmpty());
    RealBridge again = start(home, Map.of("cde.local.sandbox", sandbox));
    JsonNode s = again.session(idle);
    assertThat(s.path("state").asText()).isEqualTo("ENDED");
    assertThat(s.path("endReason").asText()).isEqualTo("bridge restarted; instance lost");
    assertThat(s.path("cost").path("total").decimalValue()).isNotNull();
    assertThat(home.resolve("instances").resolve(idle)).as("its work dir, released").doesNotExist();
  }

  RealBridge start(Path home, Map<String, String> config) throws Exception {
    RealBridge b = RealBridge.start(home, config);
    started.add(b);
    return b;
  }

  Process cde(RealBridge bridge, Path out, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-jar", RealBridge.root().resolve("cli/target/cde.jar").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(out.resolveSibling(out.getFileName() + ".err").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().remove("CDE_API_TOKEN");
    pb.environment().put("CDE_BRIDGE_URL", bridge.url());
    pb.environment().put("CDE_HOME", bridge.home.toString());
    Process p = pb.start();
    clients.add(p);
    return p;
  }

  static List<String> runningSessions(RealBridge b) throws Exception {
    HttpResponse<String> r = b.api(HttpRequest.newBuilder(URI.create(b.url() + "/api/v1/sessions?state=RUNNING"))
        .header("Authorization", "Bearer " + b.token()).GET());
    List<String> ids = new ArrayList<>();
    RealBridge.JSON.readTree(r.body()).forEach(s -> ids.add(s.path("id").asText()));
    return ids;
  }

  /** {@code GET /api/v1/costs} over the last day: its total, after checking it counts exactly {@code sessions}. */
  static BigDecimal totalCost(RealBridge b, int sessions) throws Exception {
    String from = java.time.Instant.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    HttpResponse<String> r = b.api(HttpRequest.newBuilder(URI.create(b.url() + "/api/v1/costs?from=" + from))
        .header("Authorization", "Bearer " + b.token()).GET());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode total = RealBridge.JSON.readTree(r.body()).path("total");
    assertThat(total.path("sessions").asLong()).as("cost records: " + total).isEqualTo(sessions);
    return new BigDecimal(total.path("totalUsd").asText());
  }

  /** Runs {@code sh -c command} in the session through the bridge; its stdout, after checking it exited 0. */
  String exec(RealBridge b, String sessionId, String command) throws Exception {
    TunnelSession t = TunnelClient.connect(vertx, tunnels, URI.create(b.wsUrl() + "/api/v1/sessions/" + sessionId + "/tunnel"),
        Map.of("Authorization", "Bearer " + b.token()), Hello.of("client", "crash-it"), new TunnelOptions())
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    try {
      Channel ch = t.open(OpenRequest.exec(List.of("sh", "-c", command), null, null))
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      ByteArrayOutputStream stdout = new ByteArrayOutputStream();
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.handler(buf -> {
        synchronized (stdout) {
          stdout.writeBytes(buf.getBytes());
        }
      });
      ch.exitHandler(exit::complete);
      assertThat(exit.get(20, TimeUnit.SECONDS).code()).isZero();
      synchronized (stdout) {
        return stdout.toString(StandardCharsets.UTF_8);
      }
    } finally {
      t.close("done");
    }
  }

  /**
   * The processes of a session's instance, found in the process table by the {@code CDE_SESSION_ID} in their
   * environment (the agent, bubblewrap around it, and what the agent started), so that other tests' agents on
   * this machine do not count.
   */
  static List<Long> agentProcesses(String sessionId) {
    byte[] marker = ("CDE_SESSION_ID=" + sessionId + "\0").getBytes(StandardCharsets.UTF_8);
    List<Long> found = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(p -> {
      try {
        byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
        if (indexOf(env, marker) >= 0 && p.isAlive()) {
          found.add(p.pid());
        }
      } catch (IOException | RuntimeException gone) {
        // exited meanwhile, or not ours to read
      }
    });
    return found;
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (i > 0 && haystack[i - 1] != 0) {
        continue; // variables start after a NUL
      }
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static boolean bwrapWorks() {
    try {
      Process p = new ProcessBuilder("bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
