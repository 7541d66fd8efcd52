package dev.cde.bridge.costs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.cde.bridge.cache.archive.ArchiveEntry;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.github.runners.GithubJob;
import dev.cde.bridge.github.runners.GithubJobStore;
import dev.cde.bridge.github.runners.GithubRunner;
import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionState;
import dev.cde.bridge.session.SessionStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/costs} on the whole app, over sessions, GitHub jobs and cache scopes written by the stores the
 * bridge itself uses. The sessions end on days of their own far in the past, so what other tests leave in the shared
 * database never falls in the periods asked for.
 */
@QuarkusTest
class CostsApiTest {
  @Inject
  SessionStore sessions;
  @Inject
  GithubJobStore github;
  @Inject
  ArchiveIndex archives;
  @Inject
  BridgeHome home;

  LocalDate day;
  String repoA;
  String repoB;
  String gitlabProject;
  final List<Fixture> fixtures = new ArrayList<>();

  /** One ended session, and the dimensions it is expected under. */
  record Fixture(Session session, String repository, String workflow, String job, String labels) {
    BigDecimal total() {
      return session.cost().total();
    }
  }

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip());
  }

  @BeforeEach
  void fixtures() throws Exception {
    day = freeWeek();
    String run = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    repoA = "octo/app-" + run;
    repoB = "octo/tools-" + run;
    gitlabProject = "group/proj-" + run;
    github(repoA, "CI", "build", List.of("cde-serverless", "cpu=2"),
        ended(at(0, "10:00:00"), 2, 4096, null, 0, 100, "0.100000", "0.020000", "0"));
    github(repoA, "CI", "test-gpu", List.of("cde-serverless", "gpu=t4"),
        ended(at(0, "12:00:00"), 4, 16384, "t4", 1, 200, "0.050000", "0.010000", "1.100000"));
    github(repoB, "Release", "build", List.of("CDE-Serverless"),
        ended(at(1, "09:00:00"), 2, 4096, null, 0, 300, "0.250000", "0.050000", "0"));
    Session gitlab = ended(at(2, "08:00:00"), 8, 32768, "t4", 2, 400, "0.100000", "0.100000", "1.800000");
    archives.recordScope(gitlab.id(), new CacheScope(gitlabProject, "refs/heads/main", null));
    fixtures.add(new Fixture(gitlab, gitlabProject, null, null, null));
    fixtures.add(new Fixture(ended(at(2, "23:59:59"), 1, 512, null, 0, 1, "0.000001", "0", "0"), null, null, null,
        null));
    // Outside the week: the second before it, and its end (a date as `to` includes its whole day, no more).
    ended(at(-1, "23:59:59"), 1, 512, null, 0, 1, "5", "0", "0");
    ended(at(7, "00:00:00"), 1, 512, null, 0, 1, "7", "0", "0");
  }

  /** A week no session of the shared test database ended in. */
  LocalDate freeWeek() throws Exception {
    for (int i = 0; i < 20; i++) {
      LocalDate d = LocalDate.of(1980, 1, 1).plusDays(ThreadLocalRandom.current().nextInt(10000));
      if (query(Map.of("from", d.minusDays(1).toString(), "to", d.plusDays(7).toString())).getInt("total.sessions")
          == 0) {
        return d;
      }
    }
    throw new IllegalStateException("no free week found");
  }

  Instant at(int dayOffset, String time) {
    return Instant.parse(day.plusDays(dayOffset) + "T" + time + "Z");
  }

  Session ended(Instant end, double cpu, long memoryMb, String gpuType, int gpuCount, long seconds, String cpuUsd,
      String memoryUsd, String gpuUsd) {
    return new CostHistory(sessions, github, archives).ended(end, cpu, memoryMb, gpuType, gpuCount, seconds, cpuUsd,
        memoryUsd, gpuUsd);
  }

  void github(String repo, String workflow, String job, List<String> labels, Session session) {
    String key = new CostHistory(sessions, github, archives).github(repo, workflow, job, labels, session);
    fixtures.add(new Fixture(session, repo, workflow, job, String.join(", ", key.split("\n"))));
  }

  JsonPath query(Map<String, String> params) throws Exception {
    return api().queryParams(params).get("/api/v1/costs").then().statusCode(200)
        .contentType(containsString("application/json")).extract().jsonPath();
  }

  Map<String, String> week(String groupBy) {
    return Map.of("from", day.toString(), "to", day.plusDays(6).toString(), "groupBy", groupBy);
  }

  static BigDecimal sum(List<Fixture> fs) {
    return fs.stream().map(Fixture::total).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  @Test
  void byRepositoryHighestFirstWithExactTotals() throws Exception {
    JsonPath r = query(week("repository"));
    assertThat(r.getString("currency")).isEqualTo("USD");
    assertThat(r.getString("groupBy")).isEqualTo("repository");
    assertThat(r.getString("from")).isEqualTo(day + "T00:00:00Z");
    assertThat(r.getString("to")).isEqualTo(day.plusDays(7) + "T00:00:00Z");
    assertThat(r.getInt("total.sessions")).isEqualTo(fixtures.size());
    assertThat(r.getString("total.totalUsd")).isEqualTo(sum(fixtures).toPlainString()).isEqualTo("3.580001");

    List<Map<String, Object>> groups = r.getList("groups");
    assertThat(groups).extracting(g -> g.get("key"))
        .containsExactly(gitlabProject, repoA, repoB, CostAggregates.NONE);
    Map<String, Object> a = groups.get(1);
    assertThat(a).containsEntry("repository", repoA).containsEntry("sessions", 2).containsEntry("billedSeconds", 300)
        .containsEntry("gpuSeconds", 200).containsEntry("cpuUsd", "0.150000").containsEntry("memoryUsd", "0.030000")
        .containsEntry("gpuUsd", "1.100000").containsEntry("totalUsd", "1.280000")
        .containsEntry("recommendation", null).doesNotContainKeys("workflow", "job", "day");
    assertThat(a.get("sizes")).isEqualTo(List.of("cpu=2 mem=4g", "cpu=4 mem=16g gpu=t4"));
    assertThat(groups.get(0)).containsEntry("gpuSeconds", 800).containsEntry("sizes", List.of("cpu=8 mem=32g gpu=t4:2"));
  }

  @Test
  void gpuJobsOnly() throws Exception {
    Map<String, String> p = new java.util.HashMap<>(week("repository"));
    p.put("gpu", "true");
    JsonPath r = query(p);
    assertThat(r.getBoolean("gpu")).isTrue();
    assertThat(r.getList("groups.key")).containsExactly(gitlabProject, repoA);
    assertThat(r.getString("total.totalUsd")).isEqualTo("3.160000");
    assertThat(r.getString("groups[1].totalUsd")).isEqualTo("1.160000");
    p.put("gpu", "false");
    assertThat(query(p).getString("total.totalUsd")).isEqualTo("0.420001");
  }

  @Test
  void byJobAndWorkflowTellRepositoriesApart() throws Exception {
    JsonPath jobs = query(week("job"));
    assertThat(jobs.getList("groups.key")).containsExactly(gitlabProject + " / (none) / (none)",
        repoA + " / CI / test-gpu", repoB + " / Release / build", repoA + " / CI / build", "(none) / (none) / (none)");
    assertThat(jobs.getString("groups[1].workflow")).isEqualTo("CI");
    assertThat(jobs.getString("groups[1].job")).isEqualTo("test-gpu");
    JsonPath workflows = query(week("workflow"));
    assertThat(workflows.getList("groups.key")).containsExactly(gitlabProject + " / (none)", repoA + " / CI",
        repoB + " / Release", "(none) / (none)");
  }

  @Test
  void byLabelSetAsGithubComparesThem() throws Exception {
    JsonPath r = query(week("labels"));
    assertThat(r.getList("groups.key")).containsExactly(CostAggregates.NONE, "cde-serverless, gpu=t4",
        "cde-serverless", "cde-serverless, cpu=2");
    assertThat(r.getInt("groups[0].sessions")).isEqualTo(2);
  }

  @Test
  void byDayWithTheQuietDays() throws Exception {
    JsonPath r = query(week("day"));
    List<String> days = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      days.add(day.plusDays(i).toString());
    }
    assertThat(r.getList("groups.day")).isEqualTo(days);
    assertThat(r.getList("groups.totalUsd")).containsExactly("1.280000", "0.300000", "2.000001", "0.000000",
        "0.000000", "0.000000", "0.000000");
    // An instant as `from`: a session ending exactly then counts, one ending a second before does not.
    JsonPath fromInstant = query(Map.of("from", day.plusDays(2) + "T08:00:00Z", "to", day.plusDays(2) + "T23:59:59Z",
        "groupBy", "day"));
    assertThat(fromInstant.getInt("total.sessions")).isEqualTo(1);
    assertThat(fromInstant.getString("total.totalUsd")).isEqualTo("2.000000");
  }

  @Test
  void byGpuType() throws Exception {
    JsonPath r = query(week("gpu"));
    assertThat(r.getList("groups.gpu")).containsExactly("t4", "none");
    assertThat(r.getList("groups.totalUsd")).containsExactly("3.160000", "0.420001");
  }

  @Test
  void csvHasTheSameFiguresAsJson() throws Exception {
    Map<String, String> p = new java.util.HashMap<>(week("job"));
    p.put("format", "csv");
    String csv = api().queryParams(p).get("/api/v1/costs").then().statusCode(200)
        .contentType(startsWith("text/csv")).header("Content-Disposition", containsString("cde-costs-job.csv"))
        .extract().asString();
    JsonPath json = query(week("job"));
    try (MappingIterator<Map<String, String>> rows = new CsvMapper().readerFor(Map.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(csv)) {
      List<Map<String, String>> all = rows.readAll();
      assertThat(all).hasSize(json.getList("groups").size());
      for (int i = 0; i < all.size(); i++) {
        assertThat(all.get(i)).containsEntry("repository", json.getString("groups[" + i + "].repository"))
            .containsEntry("job", json.getString("groups[" + i + "].job"))
            .containsEntry("total_usd", json.getString("groups[" + i + "].totalUsd"))
            .containsEntry("sessions", json.getString("groups[" + i + "].sessions"))
            .containsEntry("currency", "USD");
      }
    }
  }

  @Test
  void badParametersAreProblems() throws Exception {
    for (Map<String, String> bad : List.of(Map.of("groupBy", "team"), Map.of("from", "yesterday"),
        Map.of("to", "2025-13-01"), Map.of("gpu", "maybe"), Map.of("format", "xml"),
        Map.of("from", "2025-03-09", "to", "2025-03-01"))) {
      String param = bad.keySet().iterator().next();
      api().queryParams(bad).get("/api/v1/costs").then().statusCode(400)
          .contentType(containsString("application/problem+json")).body("status", equalTo(400))
          .body("detail", containsString(bad.containsKey("to") && bad.containsKey("from") ? "before" : param));
    }
  }

  @Test
  void refusedWithoutTheToken() {
    given().get("/api/v1/costs").then().statusCode(401).contentType(containsString("application/problem+json"));
    given().header("Authorization", "Bearer not-the-token").get("/api/v1/costs?format=csv").then().statusCode(401);
    given().get("/api/v1/cache/usage").then().statusCode(401);
  }

  @Test
  void cacheUsagePerRepositoryAndHitCounts() throws Exception {
    String repo = "octo/cache-" + UUID.randomUUID().toString().substring(0, 8);
    Instant now = Instant.now();
    String period = "from=" + now.minusSeconds(3600) + "&to=" + now.plusSeconds(3600);
    JsonPath before = api().get("/api/v1/cache/usage?" + period).then().statusCode(200).extract().jsonPath();
    for (int i = 0; i < 3; i++) {
      archives.insert(new ArchiveEntry(UUID.randomUUID().toString(), repo, "refs/heads/main", "key-" + i, "v1",
          UUID.randomUUID() + ".tzst", 1000L * (i + 1), now, now));
    }
    String session = "s-cache-" + UUID.randomUUID().toString().substring(0, 8);
    archives.count(session, 2, 1, 3, 4096, 8192);
    JsonPath after = api().get("/api/v1/cache/usage?" + period).then().statusCode(200).extract().jsonPath();

    assertThat(after.getLong("quotaBytesPerRepository")).isEqualTo(10L << 30);
    Map<String, Object> mine = after.<Map<String, Object>>getList("repositories").stream()
        .filter(r -> repo.equals(r.get("repository"))).findFirst().orElseThrow();
    assertThat(mine).containsEntry("entries", 3).containsEntry("bytes", 6000);
    assertThat(after.getLong("bytes") - before.getLong("bytes")).isEqualTo(6000);
    assertThat(after.getInt("stats.hits") - before.getInt("stats.hits")).isEqualTo(2);
    assertThat(after.getInt("stats.partialHits") - before.getInt("stats.partialHits")).isEqualTo(1);
    assertThat(after.getInt("stats.misses") - before.getInt("stats.misses")).isEqualTo(3);
    assertThat(after.getLong("stats.bytesRestored") - before.getLong("stats.bytesRestored")).isEqualTo(4096);
    assertThat(after.getLong("stats.bytesSaved") - before.getLong("stats.bytesSaved")).isEqualTo(8192);
    api().get("/api/v1/cache/usage?from=tomorrow").then().statusCode(400).body("detail", containsString("from"));
  }
}
