package dev.cde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The packaged bridge started as a real process on a free port, with its own CDE_HOME. Shared (test-jar)
 * with the other modules whose ITs need the real bridge and, through its local provider, the real agent.
 */
public final class RealBridge implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();
  public final Path home;
  public final Path log;
  public final Process process;
  public final int port;
  private final HttpClient http = HttpClient.newHttpClient();
  private String token;

  private RealBridge(Path home, Path log, Process process, int port) {
    this.home = home;
    this.log = log;
    this.process = process;
    this.port = port;
  }

  public static Path root() {
    return Path.of(System.getProperty("cde.root", "..")).toAbsolutePath().normalize();
  }

  public static RealBridge start() throws Exception {
    return start(java.util.Map.of());
  }

  /** With bridge configuration ({@code cde.*} keys) set as system properties of the bridge's JVM. */
  public static RealBridge start(java.util.Map<String, String> properties) throws Exception {
    return start(Files.createTempDirectory("cde-it-home"), properties);
  }

  /**
   * On an existing CDE_HOME: with the one a killed bridge left, this is that bridge restarted (same H2 database,
   * same instances directory, same keys), on a new port.
   */
  public static RealBridge start(Path home, java.util.Map<String, String> properties) throws Exception {
    Path jar = root().resolve("runner-bridge/target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build runner-bridge first");
    }
    Path log = home.resolve("bridge.log");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("java", "-Dquarkus.http.port=" + port,
        "-Dcde.root=" + root()));
    properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(java.util.List.of("-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("CDE_HOME", home.toString());
    pb.environment().remove("CDE_API_TOKEN");
    RealBridge b = new RealBridge(home, log, pb.start(), port);
    b.awaitHealthy(Duration.ofSeconds(90));
    return b;
  }

  public void awaitHealthy(Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IllegalStateException("bridge exited: " + logTail());
      }
      try {
        if (health() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("bridge not healthy after " + timeout + ": " + logTail());
  }

  public int health() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url() + "/q/health")).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public String wsUrl() {
    return "ws://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public synchronized String token() throws IOException {
    if (token == null) {
      token = Files.readString(home.resolve("api-token")).strip();
    }
    return token;
  }

  public HttpResponse<String> api(HttpRequest.Builder req) throws Exception {
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Creates a session and waits until it runs; returns its id. */
  public String createSession() throws Exception {
    HttpResponse<String> r = api(HttpRequest.newBuilder(URI.create(url() + "/api/v1/sessions?wait=true"))
        .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"cpu\":1,\"memory\":\"1g\"}")));
    JsonNode s = JSON.readTree(r.body());
    if (r.statusCode() / 100 != 2 || !"RUNNING".equals(s.path("state").asText())) {
      throw new IllegalStateException("session did not start: " + r.statusCode() + " " + r.body() + "\n" + logTail());
    }
    return s.path("id").asText();
  }

  public JsonNode endSession(String id) throws Exception {
    HttpResponse<String> r = api(HttpRequest.newBuilder(URI.create(url() + "/api/v1/sessions/" + id))
        .header("Authorization", "Bearer " + token()).DELETE());
    return JSON.readTree(r.body());
  }

  /** The session's record as the bridge answers {@code GET /api/v1/sessions/{id}}. */
  public JsonNode session(String id) throws Exception {
    HttpResponse<String> r = api(HttpRequest.newBuilder(URI.create(url() + "/api/v1/sessions/" + id))
        .header("Authorization", "Bearer " + token()).GET());
    return JSON.readTree(r.body());
  }

  public String logTail() {
    try {
      var lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** {@code kill -9}: no shutdown hook, no clean release of anything, as a crash or an OOM killer leaves it. */
  public void kill() throws Exception {
    process.destroyForcibly(); // SIGKILL on Linux
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      throw new IllegalStateException("bridge pid " + process.pid() + " survived SIGKILL");
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    if (Boolean.getBoolean("cde.it.keepHome")) {
      return;
    }
    // A stopped bridge leaves its instances running (a restart re-attaches them); with the home gone none would, so
    // the test's agents are stopped here instead of idling out after the suite (the pid files say which they are).
    try (var pids = Files.list(home.resolve("instances"))) {
      for (Path f : pids.filter(x -> x.toString().endsWith(".pid")).toList()) {
        String first = Files.readString(f).strip().split("\\s+")[0];
        ProcessHandle.of(Long.parseLong(first)).ifPresent(h -> {
          h.descendants().forEach(ProcessHandle::destroyForcibly);
          h.destroyForcibly();
        });
      }
    } catch (java.io.IOException | NumberFormatException e) {
      // no instances dir, or a pid file being written: nothing of ours to stop
    }
    try (var walk = Files.walk(home)) {
      walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
