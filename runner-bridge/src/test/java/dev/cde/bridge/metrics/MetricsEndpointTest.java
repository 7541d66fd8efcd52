package dev.cde.bridge.metrics;

import static dev.cde.bridge.metrics.MetricsText.scrape;
import static dev.cde.bridge.metrics.MetricsText.value;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.github.runners.RealRunnersProfile;
import dev.cde.bridge.home.BridgeHome;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/metrics} moves as a real session runs: the local provider starts the real agent, a job starts and ends
 * in it, the archive cache is asked for a key, and the session ends. Read before and after, as Prometheus would.
 */
@QuarkusTest
@TestProfile(RealRunnersProfile.class)
class MetricsEndpointTest {
  @Inject
  BridgeHome home;
  @Inject
  ArchiveCacheStore archives;
  @ConfigProperty(name = "cde.github.webhook.secret")
  String webhookSecret;
  @ConfigProperty(name = "cde.gitlab-cache.secret-access-key")
  String gitlabSecret;
  @ConfigProperty(name = "cde.github.token")
  String githubToken;

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip());
  }

  @Test
  void aSessionsLifeMovesTheMetricsAndNoSecretShows() throws Exception {
    Map<String, String> local = Map.of("provider", "local");
    Map<String, String> ended = Map.of("provider", "local", "state", "ended");
    Map<String, String> job = Map.of("source", "cde", "state", "ended");
    Map<String, String> usd = Map.of("currency", "USD", "provider", "local");
    String before = scrape();

    String id = api().contentType(ContentType.JSON).body("{\"cpu\":1,\"memory\":\"1g\",\"name\":\"metrics-test\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().path("id");
    api().post("/api/v1/sessions/" + id + "/job-started").then().statusCode(200);
    String running = scrape();
    assertThat(value(running, "cde_sessions", Map.of("state", "running"))).isGreaterThanOrEqualTo(1);
    assertThat(value(running, "cde_sessions_started_total", local) - value(before, "cde_sessions_started_total", local))
        .isEqualTo(1);
    assertThat(value(running, "cde_cold_start_seconds_count", local)
        - value(before, "cde_cold_start_seconds_count", local)).isEqualTo(1);
    assertThat(value(running, "cde_cold_start_seconds_sum", local)).isGreaterThan(0);

    CacheScope scope = new CacheScope("octo/metrics-" + UUID.randomUUID(), "refs/heads/main", null);
    archives.lookup(scope, "deps-1", List.of("deps-"), "v1", id);
    api().post("/api/v1/sessions/" + id + "/job-ended").then().statusCode(200);
    JsonPath session = api().delete("/api/v1/sessions/" + id).then().statusCode(200).extract().jsonPath();
    BigDecimal cost = new BigDecimal(session.getString("cost.total"));

    String after = scrape();
    assertThat(after).contains("# TYPE cde_sessions_ended counter", "# HELP cde_cost What ended sessions cost");
    assertThat(value(after, "cde_sessions_ended_total", ended) - value(before, "cde_sessions_ended_total", ended))
        .isEqualTo(1);
    assertThat(value(after, "cde_jobs_total", job) - value(before, "cde_jobs_total", job)).isEqualTo(1);
    assertThat(value(after, "cde_cost_total", usd) - value(before, "cde_cost_total", usd))
        .isCloseTo(cost.doubleValue(), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(value(after, "cde_billed_seconds_total", local)).isGreaterThan(value(before, "cde_billed_seconds_total",
        local));
    Map<String, String> miss = Map.of("cache", "archive", "result", "miss");
    assertThat(value(after, "cde_cache_lookups_total", miss) - value(before, "cde_cache_lookups_total", miss))
        .isEqualTo(1);

    String token = Files.readString(home.apiToken()).strip();
    assertThat(after).doesNotContain(token, webhookSecret, gitlabSecret, githubToken, id);
  }
}
