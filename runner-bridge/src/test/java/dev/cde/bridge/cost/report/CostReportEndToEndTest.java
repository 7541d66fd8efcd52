package dev.cde.bridge.cost.report;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.CostCalculator;
import dev.cde.bridge.cost.Prices;
import dev.cde.bridge.cost.Usage;
import dev.cde.bridge.github.runners.RealRunnersProfile;
import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.relay.BridgeExec;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URL;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real session's cost report: the local provider starts the real agent, a command runs in it through the bridge's
 * tunnel between the job's start and end, the cache records a hit, and the report (JSON and Markdown) must agree
 * with the timeline the bridge recorded and with the price table's arithmetic.
 */
@QuarkusTest
@TestProfile(RealRunnersProfile.class)
class CostReportEndToEndTest {
  @Inject
  BridgeHome home;
  @Inject
  Vertx vertx;
  @Inject
  ArchiveIndex archives;
  @Inject
  Prices prices;

  @TestHTTPResource("/")
  URL base;

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip());
  }

  @Test
  void aJobsReportAgreesWithItsTimelineAndItsPriceTable() throws Exception {
    String id = api().contentType(ContentType.JSON).body("{\"cpu\":1,\"memory\":\"1g\",\"name\":\"report-e2e\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().path("id");
    Instant started = Instant.parse(api().post("/api/v1/sessions/" + id + "/job-started").then().statusCode(200)
        .extract().path("at"));
    assertThat(run(id, "sleep 1; echo the job ran")).isEqualTo("the job ran\n");
    Instant ended = Instant.parse(api().post("/api/v1/sessions/" + id + "/job-ended").then().statusCode(200)
        .extract().path("at"));
    // a second start changes nothing: GitLab reports one per stage
    assertThat(api().post("/api/v1/sessions/" + id + "/job-started").then().statusCode(200).extract().<String>path("at"))
        .isEqualTo(started.toString());
    archives.count(id, 2, 1, 0, 3L << 20, 1L << 20);

    // while it runs: figures so far
    JsonPath running = api().get("/api/v1/sessions/" + id + "/report").then().statusCode(200)
        .contentType(ContentType.JSON).extract().jsonPath();
    assertThat(running.getBoolean("finished")).isFalse();
    assertThat(running.getString("timeline.releasedAt")).isNull();

    JsonPath session = api().delete("/api/v1/sessions/" + id).then().statusCode(200).extract().jsonPath();
    JsonPath r = api().get("/api/v1/sessions/" + id + "/report").then().statusCode(200).contentType(ContentType.JSON)
        .extract().jsonPath();

    assertThat(r.getString("sessionId")).isEqualTo(id);
    assertThat(r.getString("name")).isEqualTo("report-e2e");
    assertThat(r.getString("state")).isEqualTo("ENDED");
    assertThat(r.getBoolean("finished")).isTrue();
    assertThat(r.getString("table.key")).isEqualTo("local/default");
    assertThat(r.getString("table.currency")).isEqualTo("USD");
    assertThat(r.getBoolean("table.coldStartBilled")).isFalse();
    assertThat(r.getString("table.source")).contains("alibabacloud.com");
    assertThat(r.getString("table.checked")).isEqualTo("2026-12-02");
    // asked for 1 vCPU and 1 GiB; the real agent reports this machine's CPUs and memory
    assertThat(r.getDouble("requested.cpu")).isEqualTo(1.0);
    assertThat(r.getLong("requested.memoryMb")).isEqualTo(1024);
    assertThat(r.getDouble("granted.cpu")).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(r.getLong("granted.memoryMb")).isPositive();

    Instant launched = Instant.parse(r.getString("timeline.launchedAt"));
    Instant ready = Instant.parse(r.getString("timeline.readyAt"));
    Instant released = Instant.parse(r.getString("timeline.releasedAt"));
    assertThat(launched).isEqualTo(Instant.parse(session.getString("startedAt")));
    assertThat(released).isEqualTo(Instant.parse(session.getString("endedAt")));
    assertThat(Instant.parse(r.getString("timeline.jobStartedAt"))).isEqualTo(started);
    assertThat(Instant.parse(r.getString("timeline.jobEndedAt"))).isEqualTo(ended);
    assertThat(launched).isBefore(ready);
    assertThat(ready).isBeforeOrEqualTo(started);
    assertThat(ended).isBeforeOrEqualTo(released);
    assertThat(seconds(r, "timeline.jobSeconds")).isEqualTo(seconds(started, ended)).isGreaterThanOrEqualTo(new BigDecimal("1.000"));
    assertThat(seconds(r, "timeline.coldStartSeconds")).isEqualTo(seconds(launched, ready));
    assertThat(seconds(r, "coldStart.seconds")).isEqualTo(seconds(launched, ready));
    assertThat(r.getBoolean("coldStart.billed")).isFalse();
    assertThat(new BigDecimal(r.getString("coldStart.cost"))).isEqualByComparingTo("0");

    // the local table bills from the agent's answer to the release, to the millisecond
    assertThat(r.getString("billed.basis")).isEqualTo("ready");
    BigDecimal billed = seconds(ready, released);
    assertThat(seconds(r, "billed.billedSeconds")).isEqualTo(billed);
    CostBreakdown expected = CostCalculator.cost(prices.active(), new Usage(BigDecimal.ONE, 1024, null, 0,
        Duration.between(ready, released), 1)).rounded();
    assertThat(new BigDecimal(r.getString("cost.total"))).isEqualByComparingTo(expected.total());
    assertThat(new BigDecimal(r.getString("cost.cpu"))).isEqualByComparingTo(expected.cpu());
    assertThat(r.getString("cost.currency")).isEqualTo("USD");
    assertThat(new BigDecimal(r.getString("cost.total"))).as("what the session recorded at its end")
        .isEqualByComparingTo(session.getString("cost.total"));
    assertThat(r.getList("notes")).isEmpty();
    List<Map<String, Object>> lines = r.getList("lines");
    assertThat(lines).extracting(l -> l.get("resource")).containsExactly("vcpu", "memory", "requests");
    assertThat(new BigDecimal(String.valueOf(lines.get(0).get("unitPrice")))).isEqualByComparingTo("0.00002");
    assertThat(new BigDecimal(String.valueOf(lines.get(2).get("unitPrice")))).isEqualByComparingTo("0.00000015");

    assertThat(r.getInt("cache.hits")).isEqualTo(2);
    assertThat(r.getInt("cache.partialHits")).isEqualTo(1);
    assertThat(r.getLong("cache.bytesRestored")).isEqualTo(3L << 20);

    // 1 vCPU, 1 GiB for a job of a bit over a second: ubuntu-slim, one minute at $0.002
    assertThat(r.getString("githubHosted.basis")).isEqualTo("job");
    assertThat(r.getString("githubHosted.nearest.sku")).isEqualTo("linux_slim");
    assertThat(new BigDecimal(r.getString("githubHosted.nearest.minutes"))).isEqualByComparingTo("1");
    assertThat(new BigDecimal(r.getString("githubHosted.nearest.cost"))).isEqualByComparingTo("0.002");

    String md = api().accept("text/markdown").get("/api/v1/sessions/" + id + "/report").then().statusCode(200)
        .contentType(containsMarkdown()).extract().asString();
    assertThat(md).startsWith("### cde cost report: `" + id + "`\n")
        .contains("`report-e2e` · session ended · priced with **local/default**")
        .contains("| vCPU | 1 | " + billed.toPlainString() + " s | $0.00002 per vCPU-second | $"
            + expected.cpu().toPlainString() + " |")
        .contains("| **total** | | | | **$" + expected.total().toPlainString() + "** |")
        .contains("- **Timeline**: launch → ready after " + seconds(launched, ready).toPlainString() + " s (cold start)")
        .contains("- **Billed**: " + billed.toPlainString() + " s from ready (granularity 1 ms, minimum 0 s, cold start not billed)")
        .contains("- **Cold-start overhead**: " + seconds(launched, ready).toPlainString() + " s, not billed by this provider")
        .contains("- **Cache**: 2 hits, 1 partial, 0 misses; 3.0 MiB restored from the cache instead of downloaded, 1.0 MiB saved to it")
        .contains("- **On a GitHub-hosted runner**: `linux_slim` (ubuntu-slim, 1 vCPU · 5 GB) at $0.002/min × 1 min = **$0.002000** for the job")
        .contains("<https://docs.github.com/en/billing/reference/actions-runner-pricing>, in force since 2026-01-01");
    assertThat(api().get("/api/v1/sessions/" + id + "/report?format=markdown").then().statusCode(200).extract()
        .asString()).isEqualTo(md);

    api().get("/api/v1/sessions/s-unknown000/report").then().statusCode(404).contentType("application/problem+json");
    api().get("/api/v1/sessions/" + id + "/report?format=pdf").then().statusCode(400)
        .contentType("application/problem+json");
    api().post("/api/v1/sessions/s-unknown000/job-started").then().statusCode(404);
    given().get("/api/v1/sessions/" + id + "/report").then().statusCode(401);
  }

  static String containsMarkdown() {
    return "text/markdown;charset=utf-8";
  }

  static BigDecimal seconds(JsonPath r, String path) {
    return new BigDecimal(r.getString(path)).setScale(3, RoundingMode.UNNECESSARY);
  }

  static BigDecimal seconds(Instant from, Instant to) {
    return BigDecimal.valueOf(Duration.between(from, to).toMillis(), 3);
  }

  /** Runs {@code script} in the session through the bridge's tunnel, as the cli does; returns its stdout. */
  String run(String id, String script) throws Exception {
    BridgeExec.Result r = BridgeExec.run(vertx, base, Files.readString(home.apiToken()).strip(), id, script);
    assertThat(r.exit().code()).isZero();
    return r.stdout();
  }
}
