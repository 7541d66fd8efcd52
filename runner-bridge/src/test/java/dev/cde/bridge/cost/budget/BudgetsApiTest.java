package dev.cde.bridge.cost.budget;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import dev.cde.bridge.home.BridgeHome;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Budgets and caps as an API client meets them: the real bridge (H2, the local provider, the stand-in agent) billing
 * 0.01 USD per vCPU-second ({@link BudgetsProfile}), sessions asked for through {@code POST /api/v1/sessions} with
 * the cache scope that names their repository, as {@code cde run} and the GitLab executor send it.
 */
@QuarkusTest
@TestProfile(BudgetsProfile.class)
class BudgetsApiTest {
  @Inject
  BridgeHome home;

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip());
  }

  static String body(String repository, String name) {
    return "{\"maxDuration\":\"5m\",\"name\":\"" + name + "\"" + (repository == null ? "" : ",\"cacheScope\":{"
        + "\"repository\":\"" + repository + "\",\"ref\":\"refs/heads/main\"}") + "}";
  }

  JsonPath create(String repository) throws Exception {
    JsonPath s = api().contentType(ContentType.JSON).body(body(repository, "budget-" + UUID.randomUUID()))
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().jsonPath();
    assertThat(s.getString("state")).isEqualTo("RUNNING");
    return s;
  }

  BigDecimal costSoFar(String id) throws Exception {
    return new BigDecimal(api().get("/api/v1/sessions/" + id + "/cost").then().statusCode(200).extract().jsonPath()
        .getString("total"));
  }

  @Test
  void aSpentBudgetRefusesTheNextSessionNamingTheBudgetWhatWasSpentAndTheLimit() throws Exception {
    String first = create(BudgetsProfile.SPENT).getString("id");
    // a running session's cost so far counts: 0.02 USD is spent two seconds after it started
    await().atMost(Duration.ofSeconds(20)).until(() -> costSoFar(first).compareTo(new BigDecimal("0.02")) >= 0);
    String refusedName = "budget-refused-" + UUID.randomUUID();
    String pattern = "budget repo:" + BudgetsProfile.SPENT.replace(".", "\\.")
        + " per day is spent: 0\\.0[2-9]\\d* of 0\\.02 USD \\(UTC day resets at \\d{4}-\\d\\d-\\d\\dT00:00:00Z\\)";
    String upper = BudgetsProfile.SPENT.toUpperCase(java.util.Locale.ROOT); // GitHub's names ignore case, so do budgets
    api().contentType(ContentType.JSON).body(body(upper, refusedName)).post("/api/v1/sessions").then()
        .statusCode(402).contentType("application/problem+json").body("status", equalTo(402))
        .body("title", equalTo("Budget exceeded")).body("detail", matchesPattern(pattern));
    // nothing was stored or started for the refused request
    assertThat(api().get("/api/v1/sessions?name=" + refusedName).then().statusCode(200).extract().jsonPath()
        .getList("id")).isEmpty();

    // once it ended, its recorded cost still counts for the rest of the day
    api().delete("/api/v1/sessions/" + first).then().statusCode(200);
    api().contentType(ContentType.JSON).body(body(BudgetsProfile.SPENT, refusedName)).post("/api/v1/sessions")
        .then().statusCode(402).body("detail", matchesPattern(pattern));

    // the budget covers that repository only: another one, or a session that names none, still starts
    for (String repo : new String[] {BudgetsProfile.SPENT + "-not", null}) {
      String id = create(repo).getString("id");
      api().delete("/api/v1/sessions/" + id).then().statusCode(200);
    }
  }

  @Test
  void aZeroBudgetRefusesEveryProjectUnderItsGroupAtOnce() throws Exception {
    String resets = BudgetPeriod.MONTH.end(Instant.now()).toString();
    api().contentType(ContentType.JSON).body(body(BudgetsProfile.ZERO + "/sub/project", "budget-zero"))
        .post("/api/v1/sessions?wait=true").then().statusCode(402).contentType("application/problem+json")
        .body("detail", equalTo("budget org:" + BudgetsProfile.ZERO + " per month is spent: 0 of 0 USD (UTC month resets at "
            + resets + ")"));
  }

  @Test
  void aSessionPastItsCapIsEndedAndItsReportAndTheSessionListSayWhy() throws Exception {
    String id = create(BudgetsProfile.CAPPED).getString("id");
    await().atMost(Duration.ofSeconds(30)).until(() -> "ENDED".equals(api().get("/api/v1/sessions/" + id).then()
        .extract().path("state")));
    JsonPath s = api().get("/api/v1/sessions/" + id).then().statusCode(200).extract().jsonPath();
    String reason = s.getString("endReason");
    assertThat(reason).matches("cost cap reached: spent 0\\.0\\d+ of cap 0\\.03 USD");
    BigDecimal spent = new BigDecimal(reason.split(" ")[4]);
    assertThat(spent).isGreaterThanOrEqualTo(new BigDecimal("0.03")).isLessThan(new BigDecimal("0.06"));
    // the recorded cost is at least what the cap check saw: the session was priced again when it was released
    assertThat(new BigDecimal(s.getString("cost.total"))).isGreaterThanOrEqualTo(spent);

    api().get("/api/v1/sessions/" + id + "/report").then().statusCode(200).body("endReason", equalTo(reason))
        .body("finished", equalTo(true));
    String md = api().get("/api/v1/sessions/" + id + "/report?format=markdown").then().statusCode(200).extract()
        .asString();
    assertThat(md).contains("- **Ended**: " + reason + "\n");
    // what `cde sessions` lists
    List<String> reasons = api().get("/api/v1/sessions?state=ENDED").then().statusCode(200).extract().jsonPath()
        .getList("findAll { it.id == '" + id + "' }.endReason");
    assertThat(reasons).containsExactly(reason);
  }
}
