package dev.cde.bridge.costs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.github.runners.GithubJobStore;
import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The size recommendation where a user meets it: {@code GET /api/v1/costs?groupBy=job} (JSON and CSV) and a session's
 * cost report, over job histories written through the bridge's own stores. The runs ended in the last hours, inside
 * the default history ({@code cde.sizing.history}) and the default cost period, in repositories of their own.
 */
@QuarkusTest
class SizingAdviceApiTest {
  @Inject
  SessionStore sessions;
  @Inject
  GithubJobStore github;
  @Inject
  ArchiveIndex archives;
  @Inject
  BridgeHome home;

  String repo;
  Session newest;
  Session fewRuns;

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip());
  }

  @BeforeEach
  void history() {
    CostHistory h = new CostHistory(sessions, github, archives);
    repo = "octo/sizing-" + UUID.randomUUID().toString().substring(0, 8);
    Instant now = Instant.now();
    // "build" ran three times on 8 CPUs and three times on 4, and took as long on either: it does not use the 8.
    long[] on8 = {100, 102, 98};
    long[] on4 = {99, 100, 101};
    for (int i = 0; i < 3; i++) {
      h.github(repo, "CI", "build", List.of("cde-serverless", "cpu=8", "mem=32g"),
          h.ended(now.minusSeconds(7200 - i * 60L), 8, 32768, null, 0, on8[i], "0.016000", "0.009600", "0"));
    }
    for (int i = 0; i < 3; i++) {
      Session s = h.ended(now.minusSeconds(3600 - i * 60L), 4, 16384, null, 0, on4[i], "0.008000", "0.004800", "0");
      h.github(repo, "CI", "build", List.of("cde-serverless", "cpu=4", "mem=16g"), s);
      newest = s;
    }
    // "lint" ran three times only.
    for (int i = 0; i < 3; i++) {
      fewRuns = h.ended(now.minusSeconds(1800 - i * 60L), 2, 4096, null, 0, 30, "0.001200", "0.000360", "0");
      h.github(repo, "CI", "lint", List.of("cde-serverless", "cpu=2"), fewRuns);
    }
  }

  Map<String, Object> job(JsonPath costs, String name) {
    return costs.<Map<String, Object>>getList("groups").stream()
        .filter(g -> repo.equals(g.get("repository")) && name.equals(g.get("job"))).findFirst().orElseThrow();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aJobThatRanAsFastOnFewerCpusIsToldToMoveThere() throws Exception {
    JsonPath costs = api().get("/api/v1/costs?groupBy=job").then().statusCode(200).extract().jsonPath();
    Map<String, Object> advice = (Map<String, Object>) job(costs, "build").get("recommendation");
    assertThat(advice).containsEntry("status", "advice").containsEntry("runs", 6).containsEntry("minRuns", 5)
        .containsEntry("current", "cpu=4 mem=16g");
    Map<String, Object> cheapest = (Map<String, Object>) advice.get("cheapest");
    // Priced with the local table: 4 vCPU x 100 s x 0.00002 + 16 GiB x 100 s x 0.000003 + one request.
    assertThat(cheapest).containsEntry("size", "cpu=4 mem=16g").containsEntry("basis", "measured")
        .containsEntry("runs", 3).containsEntry("medianSeconds", 100.0f).containsEntry("cost", 0.0128f);
    List<Map<String, Object>> sizes = (List<Map<String, Object>>) advice.get("sizes");
    Map<String, Object> on8 = sizes.stream().filter(s -> "cpu=8 mem=32g".equals(s.get("size"))).findFirst()
        .orElseThrow();
    assertThat(on8).containsEntry("runs", 3).containsEntry("medianSeconds", 100.0f).containsEntry("cost", 0.0256f)
        .containsEntry("medianRecordedCost", 0.0256f).containsEntry("recordedCurrency", "USD");
    // Equal durations fit no parallel part; the smaller neighbour is estimated at the same time and half the cost.
    assertThat(advice.get("parallelFraction")).isEqualTo(0.0f);
    Map<String, Object> untried = (Map<String, Object>) advice.get("untriedCheaper");
    assertThat(untried).containsEntry("size", "cpu=2 mem=8g").containsEntry("basis", "estimated")
        .containsEntry("medianSeconds", 100.0f).containsEntry("cost", 0.0064f);
    assertThat((Map<String, Object>) advice.get("prices")).containsEntry("table", "local/default")
        .containsEntry("currency", "USD");
    assertThat((String) advice.get("summary")).startsWith("cheapest: cpu=4 mem=16g (the current size, $0.012800 a run)")
        .contains("untried cpu=2 mem=8g is estimated at $0.006400 a run");

    String csv = api().get("/api/v1/costs?groupBy=job&format=csv").then().statusCode(200).extract().asString();
    try (MappingIterator<Map<String, String>> rows = new CsvMapper().readerFor(Map.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(csv)) {
      assertThat(rows.readAll()).filteredOn(r -> repo.equals(r.get("repository")) && "build".equals(r.get("job")))
          .singleElement().extracting(r -> r.get("recommendation")).isEqualTo(advice.get("summary"));
    }
  }

  /**
   * Sessions without a GitHub job that an API client names the same on every run (cde.sessions' {@code name}, in one
   * repository's cache scope) are one job too: {@code groupBy=job} lists them as {@code session: NAME} with advice.
   */
  @Test
  @SuppressWarnings("unchecked")
  void namedSessionsOfARepositoryAreOneJobWithAdvice() throws Exception {
    CostHistory h = new CostHistory(sessions, github, archives);
    Instant now = Instant.now();
    for (int i = 0; i < 3; i++) {
      h.named(repo, "train", h.ended(now.minusSeconds(900 - i * 60L), 4, 8192, "t4", 1, 200, "0.016000", "0.002400",
          "0.050000"));
      h.named(repo, "train", h.ended(now.minusSeconds(600 - i * 60L), 2, 4096, "t4", 1, 200, "0.008000", "0.001200",
          "0.050000"));
    }
    JsonPath costs = api().get("/api/v1/costs?groupBy=job&gpu=true").then().statusCode(200).extract().jsonPath();
    Map<String, Object> train = job(costs, "session: train");
    assertThat(train).containsEntry("workflow", "(none)").containsEntry("sessions", 6);
    Map<String, Object> advice = (Map<String, Object>) train.get("recommendation");
    assertThat(advice).containsEntry("status", "advice").containsEntry("runs", 6)
        .containsEntry("job", repo + " · session train");
    assertThat((Map<String, Object>) advice.get("cheapest")).containsEntry("size", "cpu=2 mem=4g gpu=t4");
  }

  @Test
  @SuppressWarnings("unchecked")
  void tooFewRunsSaySoAndHowMany() throws Exception {
    JsonPath costs = api().get("/api/v1/costs?groupBy=job").then().statusCode(200).extract().jsonPath();
    Map<String, Object> advice = (Map<String, Object>) job(costs, "lint").get("recommendation");
    assertThat(advice).containsEntry("status", "not-enough-runs").containsEntry("runs", 3)
        .containsEntry("summary", "not enough runs yet (3 of 5)").doesNotContainKeys("cheapest", "fastest");
    api().get("/api/v1/sessions/" + fewRuns.id() + "/report?format=markdown").then().statusCode(200)
        .body(containsString("#### Size recommendation"))
        .body(containsString("From 3 runs of " + repo + " · CI · lint: not enough runs yet (3 of 5)."));
  }

  @Test
  void theJobsReportCarriesTheRecommendationWithItsEvidence() throws Exception {
    JsonPath report = api().get("/api/v1/sessions/" + newest.id() + "/report").then().statusCode(200).extract()
        .jsonPath();
    assertThat(report.getString("recommendation.status")).isEqualTo("advice");
    assertThat(report.getString("recommendation.cheapest.size")).isEqualTo("cpu=4 mem=16g");
    assertThat(report.getString("recommendation.job")).isEqualTo(repo + " · CI · build");
    String md = api().get("/api/v1/sessions/" + newest.id() + "/report?format=markdown").then().statusCode(200)
        .extract().asString();
    assertThat(md).contains("From 6 runs of " + repo + " · CI · build: cheapest: cpu=4 mem=16g")
        .contains("| `cpu=8 mem=32g` | 3 | 100 s | 100 s | $0.025600 |  |")
        .contains("| `cpu=4 mem=16g` | 3 | 100 s | 100 s | $0.012800 | current, cheapest, fastest |")
        .contains("| `cpu=2 mem=8g` | 0 | 100 s | 100 s | $0.006400 | estimated |")
        .contains("Fitted parallel fraction: 0.000.").contains("Costs priced with **local/default**");
  }
}
