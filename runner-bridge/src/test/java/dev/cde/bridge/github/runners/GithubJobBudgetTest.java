package dev.cde.bridge.github.runners;

import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.deliver;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.delivery;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.fresh;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.jitRequests;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.stubRepository;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cde.bridge.cost.budget.Budgets;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionState;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A GitHub job whose repository's budget is spent, under the default policy {@code wait}: the bridge as for
 * {@link GithubRunnersEndToEndTest} (WireMock GitHub, the real agent, the stand-in runner), billing 0.01 USD per
 * vCPU-second, with a budget of 0.02 USD a day for one repository.
 */
@QuarkusTest
@TestProfile(GithubJobBudgetTest.Profile.class)
class GithubJobBudgetTest {
  // fresh each run: the test database outlives a run, and today's spend of the last run would still count
  // (one per JVM through a system property: the profile and the test class have separate statics)
  static final String REPO = "octo/budget-" + dev.cde.bridge.cost.budget.BudgetsProfile.run("budget-tests.github-run");
  static final Duration SLOW = Duration.ofSeconds(40);

  public static class Profile extends RealRunnersProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> m = new HashMap<>(super.getConfigOverrides());
      m.put("cde.cost.prices-file", Path.of("src/test/resources/budgets/expensive-local.yaml").toAbsolutePath()
          .toString());
      m.put("cde.budgets.rules[0].scope", "repo:" + REPO);
      m.put("cde.budgets.rules[0].period", "day");
      m.put("cde.budgets.rules[0].amount", "0.02");
      return m;
    }
  }

  @Inject
  GithubJobStore store;
  @Inject
  GithubRunners runners;
  @Inject
  SessionBroker broker;
  @Inject
  Budgets budgets;
  @Inject
  dev.cde.bridge.home.BridgeHome home;

  GithubRunner awaitRunner(String name, String state) {
    await().atMost(SLOW).until(() -> store.runner(name).map(r -> r.state().equals(state)).orElse(false));
    return store.runner(name).orElseThrow();
  }

  /** The job as {@code GET /api/v1/github/jobs} (and the dashboard's job list) shows it. */
  Map<String, Object> listed(long jobId) throws Exception {
    List<Map<String, Object>> jobs = given().header("Authorization", "Bearer "
        + Files.readString(home.apiToken()).strip()).get("/api/v1/github/jobs?limit=500").then().statusCode(200)
        .extract().jsonPath().getList("findAll { it.jobId == " + jobId + "L }");
    assertThat(jobs).hasSize(1);
    return jobs.get(0);
  }

  @Test
  void aJobOverItsRepositorysBudgetStaysQueuedWithTheReasonAndStartsOnceTheNextDayBegins() throws Exception {
    long run = fresh();
    stubRepository(REPO, run, "idle");
    long first = fresh();
    deliver(delivery("queued", REPO, true, first, run, null, "cde-serverless"));
    GithubRunner runner = awaitRunner("cde-" + first + "-1", GithubRunner.IDLE);
    // its instance spends the day's budget while it runs
    await().atMost(SLOW).until(() -> {
      Session s = broker.get(runner.sessionId());
      return broker.costOf(s, Instant.now()).total().compareTo(new BigDecimal("0.02")) >= 0;
    });

    long second = fresh();
    deliver(delivery("queued", REPO, true, second, run, null, "cde-serverless"));
    String reason = "waiting: budget repo:" + REPO + " per day is spent: ";
    await().atMost(SLOW).until(() -> store.job(second, 1).map(j -> j.detail() != null
        && j.detail().startsWith(reason)).orElse(false));
    Map<String, Object> shown = listed(second);
    assertThat(shown.get("status")).isEqualTo(GithubJob.QUEUED);
    assertThat((String) shown.get("detail")).matches(java.util.regex.Pattern.quote(reason)
        + "0\\.0[2-9]\\d* of 0\\.02 USD \\(UTC day resets at \\d{4}-\\d\\d-\\d\\dT00:00:00Z\\)");
    assertThat(store.runnersStartedFor(second, 1)).isZero();
    assertThat(jitRequests(REPO)).isEqualTo(1);

    // the first job ends; what it cost still counts today, so the second keeps waiting
    deliver(delivery("completed", REPO, true, first, run, runner.name(), "cde-serverless"));
    await().atMost(SLOW).until(() -> broker.get(runner.sessionId()).state().terminal());
    runners.converge(REPO);
    assertThat(store.runnersStartedFor(second, 1)).isZero();
    assertThat(store.job(second, 1).orElseThrow().status()).isEqualTo(GithubJob.QUEUED);

    // midnight UTC: the reconciler's next converge (here called at once) starts it
    budgets.clock(Clock.offset(Clock.systemUTC(), Duration.ofDays(1)));
    runners.converge(REPO);
    awaitRunner("cde-" + second + "-1", GithubRunner.IDLE);
    assertThat(jitRequests(REPO)).isEqualTo(2);
    assertThat(store.job(second, 1).orElseThrow().detail()).startsWith("runner started; it was " + reason);
  }

  @AfterEach
  void endLeftoverSessions() {
    budgets.clock(Clock.systemUTC());
    List<String> open = List.of(GithubJob.WAITING, GithubJob.QUEUED, GithubJob.IN_PROGRESS);
    for (GithubJob j : store.jobs(REPO, open)) {
      store.moveJob(j.jobId(), j.runAttempt(), GithubJob.COMPLETED, null, "test over", open);
    }
    for (Session s : broker.list(java.util.EnumSet.of(SessionState.PENDING, SessionState.STARTING,
        SessionState.RUNNING))) {
      broker.end(s.id(), "test over");
    }
  }
}
