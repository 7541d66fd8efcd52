package dev.cde.agent;

import dev.cde.tunnel.auth.TunnelTokens;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The packaged agent jar started as a real child process, the way the local provider starts it. */
final class AgentProcess implements AutoCloseable {
  final KeyPair keys = TunnelTokens.generateKeyPair();
  final String sessionId = "s-test" + System.nanoTime();
  final int port;
  final Process process;
  final long readyMillis;
  final List<String> output = new ArrayList<>();
  final CompletableFuture<Integer> exited;

  AgentProcess(Map<String, String> extraEnv) throws Exception {
    this(defaultCommand(), extraEnv);
  }

  /** The agent started by {@code command} (another JVM, other flags), with the test's key and session. */
  AgentProcess(List<String> command, Map<String, String> extraEnv) throws Exception {
    this.port = freePort();
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("CDE_BIND", "127.0.0.1");
    pb.environment().put("CDE_AGENT_PUBLIC_KEY", TunnelTokens.encodePublicKey(keys.getPublic()));
    pb.environment().put("CDE_SESSION_ID", sessionId);
    pb.environment().putAll(extraEnv);
    long t0 = System.nanoTime();
    process = pb.start();
    BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    long ready = -1;
    while ((line = r.readLine()) != null) {
      synchronized (output) {
        output.add(line);
      }
      if (line.contains(" ready on ") || line.contains(" dialing out to ")) {
        ready = (System.nanoTime() - t0) / 1_000_000;
        break;
      }
    }
    if (ready < 0) {
      throw new IllegalStateException("agent did not start: " + output);
    }
    readyMillis = ready;
    Thread drain = new Thread(() -> {
      try {
        String l;
        while ((l = r.readLine()) != null) {
          synchronized (output) {
            output.add(l);
          }
        }
      } catch (IOException e) {
        // process gone
      }
    });
    drain.setDaemon(true);
    drain.start();
    exited = process.onExit().thenApply(Process::exitValue);
  }

  /** The same flags the local provider uses: C1 only, serial GC, the build's class-data archive. */
  static List<String> defaultCommand() {
    File jar = new File("target/cde-agent.jar");
    if (!jar.isFile()) {
      throw new IllegalStateException("target/cde-agent.jar is missing: run the package phase first");
    }
    return List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=target/cde-agent.jsa",
        "-Xshare:auto", "-jar", jar.getAbsolutePath());
  }

  String token() {
    return TunnelTokens.issue(keys.getPrivate(), sessionId, Duration.ofMinutes(5));
  }

  String endpoint() {
    return "ws://127.0.0.1:" + port + "/tunnel";
  }

  String log() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
