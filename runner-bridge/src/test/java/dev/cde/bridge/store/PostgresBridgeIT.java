package dev.cde.bridge.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged bridge ({@code quarkus-run.jar}, as an operator runs it) on PostgreSQL, chosen by nothing but
 * {@code quarkus.datasource.jdbc.url}: Flyway migrates the empty database at start, a session on the local
 * provider (the real agent) is created and ended through the API, its row is in PostgreSQL (and no H2 file was
 * made), and a restarted bridge finds it there.
 */
class PostgresBridgeIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path ROOT = Path.of(System.getProperty("cde.root", "..")).toAbsolutePath().normalize();
  static PostgresCluster cluster;
  final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path home;

  @BeforeAll
  static void startPostgres() throws Exception {
    cluster = PostgresCluster.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aSessionIsCreatedEndedAndKeptInPostgresql() throws Exception {
    Path jar = ROOT.resolve("runner-bridge/target/quarkus-app/quarkus-run.jar");
    Path agent = ROOT.resolve("function-image/agent/target/cde-agent.jar");
    assertThat(jar).as("the packaged bridge (mvn package -pl runner-bridge -am)").isRegularFile();
    assertThat(agent).as("the agent jar the local provider starts (built before runner-bridge)").isRegularFile();
    String database = cluster.createDatabase();

    String id;
    try (Bridge bridge = Bridge.start(jar, home, cluster.jdbcUrl(database))) {
      JsonNode created = bridge.call("POST", "/api/v1/sessions?wait=true", "{\"cpu\":1,\"memory\":\"1g\"}");
      assertThat(created.path("state").asText()).as(created.toString()).isEqualTo("RUNNING");
      id = created.path("id").asText();
      assertThat(stateInPostgres(database, id)).isEqualTo("RUNNING");

      JsonNode ended = bridge.call("DELETE", "/api/v1/sessions/" + id, null);
      assertThat(ended.path("state").asText()).as(ended.toString()).isEqualTo("ENDED");
      assertThat(stateInPostgres(database, id)).isEqualTo("ENDED");
    }
    try (Stream<Path> files = Files.walk(home)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("H2 files under CDE_HOME")
          .noneMatch(n -> n.endsWith(".mv.db"));
    }

    try (Bridge restarted = Bridge.start(jar, home, cluster.jdbcUrl(database))) {
      JsonNode again = restarted.call("GET", "/api/v1/sessions/" + id, null);
      assertThat(again.path("state").asText()).isEqualTo("ENDED");
      assertThat(again.path("costUsd").decimalValue()).isNotNull();
      assertThat(Files.readString(restarted.log)).contains("Schema \"public\" is up to date");
    }
  }

  private static String stateInPostgres(String database, String id) throws Exception {
    try (Connection c = cluster.dataSource(database).getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT state FROM sessions WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** The packaged bridge as a process, with its own CDE_HOME and the PostgreSQL URL. */
  record Bridge(Process process, int port, Path home, Path log, HttpClient http) implements AutoCloseable {
    static Bridge start(Path jar, Path home, String jdbcUrl) throws Exception {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path log = Files.createTempFile(home, "bridge", ".log");
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Dquarkus.http.port=" + port, "-Dcde.root=" + ROOT, "-Dquarkus.datasource.jdbc.url=" + jdbcUrl,
          "-Dquarkus.datasource.username=" + PostgresCluster.USER, "-jar", jar.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("CDE_HOME", home.toString());
      pb.environment().remove("CDE_API_TOKEN");
      Bridge b = new Bridge(pb.start(), port, home, log, HttpClient.newHttpClient());
      b.awaitHealthy(Duration.ofSeconds(90));
      return b;
    }

    void awaitHealthy(Duration timeout) throws Exception {
      long end = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < end) {
        if (!process.isAlive()) {
          throw new AssertionError("bridge exited:\n" + logTail());
        }
        try {
          if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(200);
      }
      throw new AssertionError("bridge not healthy after " + timeout + ":\n" + logTail());
    }

    JsonNode call(String method, String path, String body) throws Exception {
      String token = Files.readString(home.resolve("api-token")).strip();
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(120))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        req.header("Content-Type", "application/json");
      }
      HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body() + "\n" + logTail());
      }
      return JSON.readTree(r.body());
    }

    String logTail() {
      try {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
      } catch (IOException e) {
        return "(no log)";
      }
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
