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

  /**
   * Two replicas of the packaged bridge on one PostgreSQL database (sharing one CDE_HOME, so each can see the other's
   * local instances, as replicas see a serverless provider's): exactly one leads, as /q/health says. The leader is
   * killed with -9 while its session runs; the other takes the lead at once (the dead process is on its host), adopts
   * the session, re-attaches its instance, and ends it with one cost. Before that, a client reaches the session
   * through either replica: the follower dials the leader's instance and relays, beside the leader's tunnel.
   */
  @Test
  void ofTwoReplicasOneLeadsAndTheOtherAdoptsTheSessionsOfAKilledLeader() throws Exception {
    Path jar = ROOT.resolve("runner-bridge/target/quarkus-app/quarkus-run.jar");
    String database = cluster.createDatabase();
    String url = cluster.jdbcUrl(database);
    List<String> fast = List.of("-Dcde.replica.lease-duration=3s", "-Dcde.replica.renew-every=1s",
        "-Dcde.session.reconcile-every=1s", "-Dcde.local.sandbox=none");
    try (Bridge a = Bridge.start(jar, home, url, fast); Bridge b = Bridge.start(jar, home, url, fast)) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.leads() != b.leads());
      Bridge leader = a.leads() ? a : b;
      Bridge follower = leader == a ? b : a;
      String leaderId = leader.replica().path("id").asText();
      assertThat(follower.replica().path("leaderId").asText()).isEqualTo(leaderId);

      JsonNode created = leader.call("POST", "/api/v1/sessions?wait=true", "{\"cpu\":1,\"memory\":\"1g\"}");
      String id = created.path("id").asText();
      assertThat(created.path("state").asText()).as(created.toString()).isEqualTo("RUNNING");
      assertThat(ownerInPostgres(database, id)).isEqualTo(leaderId);
      // the follower leaves a live replica's session alone: no reconnect, no end
      Thread.sleep(2500);
      assertThat(follower.call("GET", "/api/v1/sessions/" + id, null).path("state").asText()).isEqualTo("RUNNING");
      assertThat(Files.readString(follower.log)).doesNotContain("session " + id + ": instance");

      // a client may reach either replica: the follower dials the leader's instance itself and relays
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
      try {
        String token = Files.readString(home.resolve("api-token")).strip();
        for (Bridge replica : List.of(follower, leader, follower)) {
          var run = dev.cde.bridge.relay.BridgeExec.run(vertx, URI.create("http://127.0.0.1:" + replica.port()).toURL(),
              token, id, "echo through-" + replica.port());
          assertThat(run.stdout()).isEqualTo("through-" + replica.port() + "\n");
          assertThat(run.exit().code()).isZero();
        }
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      assertThat(Files.readString(follower.log)).contains("session " + id + ": dialed its instance for clients");
      assertThat(leader.call("GET", "/api/v1/sessions/" + id, null).path("state").asText()).isEqualTo("RUNNING");

      leader.process().destroyForcibly(); // kill -9
      leader.process().waitFor(15, TimeUnit.SECONDS);
      String followerId = follower.replica().path("id").asText();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(follower::leads);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> followerId.equals(ownerInPostgres(database, id)));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> Files.readString(follower.log).contains("session " + id + ": instance ")
              && Files.readString(follower.log).contains("already connected through this replica"));
      assertThat(follower.call("GET", "/api/v1/sessions/" + id, null).path("state").asText()).isEqualTo("RUNNING");

      JsonNode ended = follower.call("DELETE", "/api/v1/sessions/" + id, null);
      assertThat(ended.path("state").asText()).isEqualTo("ENDED");
      assertThat(ended.path("cost").path("total").decimalValue()).isPositive();
      assertThat(Files.exists(home.resolve("instances").resolve(id + ".pid"))).as("instance released").isFalse();
    }
  }

  private static String ownerInPostgres(String database, String id) throws Exception {
    return oneValue(database, "SELECT replica_id FROM session_owners WHERE session_id = ?", id);
  }

  private static String stateInPostgres(String database, String id) throws Exception {
    return oneValue(database, "SELECT state FROM sessions WHERE id = ?", id);
  }

  private static String oneValue(String database, String query, String id) throws Exception {
    try (Connection c = cluster.dataSource(database).getConnection();
        PreparedStatement ps = c.prepareStatement(query)) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** The packaged bridge as a process, with its own CDE_HOME and the PostgreSQL URL. */
  record Bridge(Process process, int port, Path home, Path log, HttpClient http) implements AutoCloseable {
    static Bridge start(Path jar, Path home, String jdbcUrl) throws Exception {
      return start(jar, home, jdbcUrl, List.of());
    }

    static Bridge start(Path jar, Path home, String jdbcUrl, List<String> jvmOptions) throws Exception {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path log = Files.createTempFile(home, "bridge", ".log");
      List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Dquarkus.http.port=" + port, "-Dcde.root=" + ROOT, "-Dquarkus.datasource.jdbc.url=" + jdbcUrl,
          "-Dquarkus.datasource.username=" + PostgresCluster.USER));
      cmd.addAll(jvmOptions);
      cmd.addAll(List.of("-jar", jar.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
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

    /** The "bridge replica" check of {@code /q/health}: its id, whether it leads, and who does. */
    JsonNode replica() throws Exception {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health"))
          .build(), HttpResponse.BodyHandlers.ofString());
      for (JsonNode check : JSON.readTree(r.body()).path("checks")) {
        if ("bridge replica".equals(check.path("name").asText())) {
          return check.path("data");
        }
      }
      throw new AssertionError("no replica check in /q/health: " + r.body());
    }

    boolean leads() throws Exception {
      return replica().path("leader").asBoolean();
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
