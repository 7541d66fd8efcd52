package dev.cde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code cde.jar} as a process against the real bridge (and through it the real agent):
 * exit codes, byte-exact streams, cost lines, the token check, and OpenSSH through {@code cde forward}.
 */
class CdeCommandIT {
  static RealBridge bridge;

  @RegisterExtension
  static final TestWatcher DUMP_BRIDGE_LOG_ON_FAILURE = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (bridge != null) {
        System.err.println("---- bridge log (tail) after " + context.getDisplayName() + " ----\n" + bridge.logTail());
      }
    }
  };

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() throws Exception {
    Path cli = RealBridge.root().resolve("cli/target/cde.jar");
    if (!Files.isRegularFile(cli)) {
      throw new IllegalStateException(cli + " is missing: package the cli first");
    }
    bridge = RealBridge.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (bridge != null) {
      bridge.close();
    }
  }

  record Result(int code, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  ProcessBuilder cdeProcess(Map<String, String> extraEnv, String... args) {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dcde.root=" + RealBridge.root(), "-jar", RealBridge.root().resolve("cli/target/cde.jar").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("CDE_API_TOKEN");
    pb.environment().put("CDE_BRIDGE_URL", bridge.url());
    pb.environment().put("CDE_HOME", bridge.home.toString());
    pb.environment().putAll(extraEnv);
    return pb;
  }

  Result cde(Map<String, String> extraEnv, File stdin, String... args) throws Exception {
    Path out = Files.createTempFile(tmp, "out", "");
    Path err = Files.createTempFile(tmp, "err", "");
    Process p = cdeProcess(extraEnv, args).redirectInput(stdin).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("cde " + String.join(" ", args) + " did not finish; stderr: " + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
  }

  Result cde(String... args) throws Exception {
    return cde(Map.of(), new File("/dev/null"), args);
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Test
  void runStreamsStdoutAndStderrApartAndExitsWithTheCommandsCode() throws Exception {
    Result r = cde("run", "--cpu", "1", "--memory", "1g", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
    assertThat(r.code()).as(r.stderr()).isEqualTo(7);
    assertThat(r.out()).isEqualTo("out\n");
    assertThat(r.stderr()).contains("err\n")
        .containsPattern("cde: s-\\S+ ended: exit code 7 · [0-9.]+ s · 1 vCPU · 1 GiB · \\$[0-9]+\\.[0-9]{6}\\n");
    assertThat(r.stderr().lines().filter(l -> l.contains(" ended: "))).hasSize(1);
    assertThat(r.stderr()).as("a finished run closes its tunnel; it does not take that for a drop")
        .doesNotContain("re-dialing");

    // the command is the session's job: what it printed is the session's log too (cde logs, the dashboard)
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("cde: (s-[a-z2-7]{10}) ended").matcher(r.stderr());
    assertThat(m.find()).as(r.stderr()).isTrue();
    Result logs = cde("logs", m.group(1));
    assertThat(logs.code()).as(logs.stderr()).isZero();
    assertThat(logs.out()).as("both streams, in the order they came").isIn("out\nerr\n", "err\nout\n");
  }

  @Test
  void reportPrintsTheCostReportOfARunsSessionWithTheCommandAsItsJob() throws Exception {
    Result run = cde("run", "--cpu", "2", "--memory", "4g", "--", "sh", "-c", "sleep 1");
    assertThat(run.code()).as(run.stderr()).isZero();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("cde: (s-[a-z2-7]{10}) ended: exit code 0")
        .matcher(run.stderr());
    assertThat(m.find()).as(run.stderr()).isTrue();
    String id = m.group(1);

    Result md = cde("report", id);
    assertThat(md.code()).as(md.stderr()).isZero();
    assertThat(md.stderr()).isEmpty();
    assertThat(md.out()).startsWith("### cde cost report: `" + id + "`\n")
        .contains("session ended · priced with **local/default**")
        .contains("| vCPU | 2 | ").contains("| memory | 4 GiB | ").contains("| **total** |")
        // cde run told the bridge when the command started and ended: the comparison counts the job, not the session
        .containsPattern("job start \\+[0-9.]+ s → job end after 1\\.[0-9]{3} s")
        .contains("- **On a GitHub-hosted runner**: `linux` (ubuntu-latest, 2 vCPU · 8 GB) at $0.006/min × 1 min = **$0.006000** for the job");

    Result json = cde("report", id, "--json");
    assertThat(json.code()).as(json.stderr()).isZero();
    JsonNode r = RealBridge.JSON.readTree(json.stdout());
    assertThat(r.path("sessionId").asText()).isEqualTo(id);
    assertThat(r.path("githubHosted").path("basis").asText()).isEqualTo("job");
    assertThat(r.path("timeline").path("jobSeconds").decimalValue()).isBetween(new java.math.BigDecimal("1.000"),
        new java.math.BigDecimal("30.000"));
    assertThat(r.path("cost").path("total").decimalValue()).isEqualByComparingTo(
        bridge.session(id).path("cost").path("total").decimalValue());
    assertThat(json.out()).as("the bridge's JSON, byte for byte: exact decimals").contains("\"unitPrice\":0.00000015");

    Result missing = cde("report", "s-doesnotexist");
    assertThat(missing.code()).as(missing.stderr()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(missing.stderr()).isEqualTo("cde: no session s-doesnotexist\n");
    Result noName = cde("report", "--name", "nobody-" + System.nanoTime());
    assertThat(noName.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(noName.stderr()).startsWith("cde: no session named nobody-");
    Result noJob = cde("report", "--github-job", "4242");
    assertThat(noJob.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(noJob.stderr()).isEqualTo("cde: no runner of this bridge took GitHub job 4242\n");
  }

  @Test
  void aCommandKilledByASignalExitsLikeAShellWould() throws Exception {
    Result r = cde("run", "--", "sh", "-c", "kill -9 $$");
    assertThat(r.code()).as(r.stderr()).isEqualTo(137);
    assertThat(r.stderr()).contains("killed by signal KILL");
  }

  @Test
  void stdinIsForwardedByteForByteAndEndsWithEof() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(7).nextBytes(data);
    Path in = tmp.resolve("in.bin");
    Files.write(in, data);
    Result r = cde(Map.of(), in.toFile(), "run", "--", "cat");
    assertThat(r.code()).as(r.stderr()).isZero();
    assertThat(r.stdout()).isEqualTo(data);
  }

  @Test
  void aWrongTokenIsRefusedWithoutPrintingIt() throws Exception {
    String wrong = "wrong-token-" + Long.toHexString(new Random().nextLong());
    for (String[] args : List.of(new String[] {"run", "--", "true"}, new String[] {"sessions"})) {
      Result r = cde(Map.of("CDE_API_TOKEN", wrong), new File("/dev/null"), args);
      assertThat(r.code()).as(r.stderr()).isEqualTo(ExitCodes.AUTH_REFUSED);
      assertThat(r.stderr()).isEqualTo("cde: the bridge refused the API token (set CDE_API_TOKEN or check $CDE_HOME/api-token)\n");
      assertThat(r.stderr() + r.out()).doesNotContain(wrong).doesNotContain(bridge.token());
    }
  }

  @Test
  void sessionsListsASessionAndStopEndsIt() throws Exception {
    String id = bridge.createSession();
    try {
      Result list = cde("sessions");
      assertThat(list.code()).as(list.stderr()).isZero();
      assertThat(list.out()).startsWith("ID").containsPattern("(?m)^" + id + "\\s+RUNNING\\s");
      Result json = cde("sessions", "--json");
      assertThat(json.code()).isZero();
      JsonNode parsed = RealBridge.JSON.readTree(json.stdout());
      assertThat(SessionsCommand.sessions(parsed)).anyMatch(s -> id.equals(s.id()));

      Result stop = cde("stop", id);
      assertThat(stop.code()).as(stop.stderr()).isZero();
      assertThat(stop.stderr()).startsWith("cde: " + id + " ended: stopped · ").containsPattern("\\$[0-9]+\\.[0-9]{6}");
      assertThat(cde("sessions").out()).doesNotContainPattern("(?m)^" + id + "\\s+RUNNING\\s");
    } finally {
      bridge.endSession(id);
    }
    Result missing = cde("stop", "s-doesnotexist");
    assertThat(missing.code()).as(missing.stderr()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(missing.stderr()).startsWith("cde: ").hasLineCount(1);
  }

  @Test
  void logsPrintsTheLogByteForByteAndFollowsItUntilTheSessionEnds() throws Exception {
    String id = bridge.createSession();
    Path log = bridge.home.resolve("logs").resolve(id + ".log");
    Process follow = null;
    try {
      // The bridge's own file, written here as the runner's output would be (no GitHub in this test).
      byte[] head = {'o', 'n', 'e', '\n', (byte) 0xff, (byte) 0xfe, 0, '\r', '\n', 't', 'w', 'o', '\n'};
      Files.createDirectories(log.getParent());
      Files.write(log, head);
      Result all = cde("logs", id);
      assertThat(all.code()).as(all.stderr()).isZero();
      assertThat(all.stdout()).isEqualTo(head);
      assertThat(all.stderr()).isEmpty();
      Result last = cde("logs", id, "--tail", "1");
      assertThat(last.out()).isEqualTo("two\n");

      Path out = tmp.resolve("follow.out");
      Path err = tmp.resolve("follow.err");
      follow = cdeProcess(Map.of(), "logs", "-f", id, "--tail", "1").redirectInput(new File("/dev/null"))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(out).equals("two\n")) {
        assertThat(follow.isAlive()).as("cde logs -f exited: %s", Files.readString(err)).isTrue();
        assertThat(System.nanoTime()).as("cde logs -f printed nothing: %s", Files.readString(err)).isLessThan(deadline);
        Thread.sleep(100);
      }
      // Bytes that reach the file without waking the follower still go out when the session ends.
      Files.write(log, "three\n".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
      Thread.sleep(500);
      assertThat(follow.isAlive()).as("following a running session waits").isTrue();
      bridge.endSession(id);
      assertThat(follow.waitFor(30, TimeUnit.SECONDS)).as("cde logs -f ends with the session").isTrue();
      assertThat(follow.exitValue()).as(Files.readString(err)).isZero();
      assertThat(Files.readString(out)).isEqualTo("two\nthree\n");
      assertThat(Files.readString(err)).isEmpty();
    } finally {
      if (follow != null) {
        follow.destroyForcibly();
      }
      bridge.endSession(id);
    }
    Result missing = cde("logs", "s-doesnotexist");
    assertThat(missing.code()).as(missing.stderr()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(missing.stderr()).isEqualTo("cde: no session s-doesnotexist\n");
    Result refused = cde(Map.of("CDE_API_TOKEN", "wrong-token"), new File("/dev/null"), "logs", id);
    assertThat(refused.code()).isEqualTo(ExitCodes.AUTH_REFUSED);
    assertThat(refused.stderr()).doesNotContain("wrong-token").doesNotContain(bridge.token());
  }

  @Test
  void ctrlCStopsFollowingCleanly() throws Exception {
    String id = bridge.createSession();
    try {
      Path out = tmp.resolve("follow.out");
      Path err = tmp.resolve("follow.err");
      Files.createDirectories(bridge.home.resolve("logs"));
      Files.writeString(bridge.home.resolve("logs").resolve(id + ".log"), "so far\n");
      Process follow = cdeProcess(Map.of(), "logs", "--follow", id).redirectInput(new File("/dev/null"))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(out).equals("so far\n")) {
        assertThat(follow.isAlive()).as("cde logs -f exited: %s", Files.readString(err)).isTrue();
        assertThat(System.nanoTime()).as("cde logs -f printed nothing: %s", Files.readString(err)).isLessThan(deadline);
        Thread.sleep(100);
      }
      run("kill", "-INT", Long.toString(follow.pid()));
      assertThat(follow.waitFor(30, TimeUnit.SECONDS)).as("Ctrl-C ends cde logs -f").isTrue();
      assertThat(follow.exitValue()).as(Files.readString(err)).isZero();
      assertThat(Files.readString(err)).isEmpty();
    } finally {
      bridge.endSession(id);
    }
  }

  @Test
  void openSshReachesARealSshdThroughCdeForward() throws Exception {
    Path sshd = Path.of("/usr/sbin/sshd");
    Assumptions.assumeTrue(Files.isExecutable(sshd) && onPath("ssh") && onPath("ssh-keygen"),
        "OpenSSH (sshd, ssh, ssh-keygen) is not installed");
    Path dir = Files.createTempDirectory("cde-it-ssh"); // short path, not under target/
    Process daemon = null;
    Process forward = null;
    try {
      run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString());
      run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("id").toString());
      Files.copy(dir.resolve("id.pub"), dir.resolve("authorized_keys"));
      int sshdPort = freePort();
      Files.writeString(dir.resolve("sshd_config"), String.join("\n",
          "Port " + sshdPort,
          "ListenAddress 127.0.0.1",
          "HostKey " + dir.resolve("host_key"),
          "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
          "StrictModes no",
          "PidFile " + dir.resolve("sshd.pid"),
          "UsePAM no",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PermitRootLogin prohibit-password",
          ""));
      if ("root".equals(System.getProperty("user.name"))) {
        Files.createDirectories(Path.of("/run/sshd"));
      }
      daemon = new ProcessBuilder(sshd.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
      awaitListening(sshdPort, daemon, dir.resolve("sshd.log"));

      int local = freePort();
      Path fwdErr = dir.resolve("forward.err");
      forward = cdeProcess(Map.of(), "forward", local + ":" + sshdPort)
          .redirectInput(new File("/dev/null")).redirectOutput(dir.resolve("forward.out").toFile())
          .redirectError(fwdErr.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.readString(fwdErr).contains("cde: forwarding 127.0.0.1:" + local + " -> ")) {
        assertThat(forward.isAlive()).as("cde forward exited: %s", Files.readString(fwdErr)).isTrue();
        assertThat(System.nanoTime()).as("cde forward never listened: %s", Files.readString(fwdErr)).isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(Files.readString(fwdErr)).contains("(Ctrl-C to stop)");

      Process ssh = new ProcessBuilder("ssh", "-p", Integer.toString(local), "-i", dir.resolve("id").toString(),
          "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
          "-o", "LogLevel=ERROR", System.getProperty("user.name") + "@127.0.0.1", "echo", "hello-through-cde")
          .redirectInput(new File("/dev/null")).redirectErrorStream(true).start();
      String said = new String(ssh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(ssh.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(said).as("sshd log: %s%nforward: %s", Files.readString(dir.resolve("sshd.log")), Files.readString(fwdErr))
          .isEqualTo("hello-through-cde\n");
      assertThat(ssh.exitValue()).isZero();

      forward.destroy(); // SIGTERM: stop forwarding, end the session, print its cost
      assertThat(forward.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(forward.exitValue()).as(Files.readString(fwdErr)).isZero();
      assertThat(Files.readString(fwdErr)).containsPattern("cde: s-\\S+ ended: forwarding stopped · ");
    } finally {
      if (forward != null) {
        forward.destroyForcibly();
      }
      if (daemon != null) {
        daemon.destroy();
        daemon.waitFor(10, TimeUnit.SECONDS);
      }
      try (var walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private static boolean onPath(String exe) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, exe))) {
        return true;
      }
    }
    return false;
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void awaitListening(int port, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("sshd exited: " + Files.readString(log));
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("sshd did not listen: " + Files.readString(log));
  }
}
