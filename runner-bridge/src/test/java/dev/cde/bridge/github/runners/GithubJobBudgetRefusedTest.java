package dev.cde.bridge.github.runners;

import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.deliver;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.delivery;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.fresh;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.jitRequests;
import static dev.cde.bridge.github.runners.GithubRunnersEndToEndTest.stubRepository;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Under {@code cde.budgets.policy=refuse}, a GitHub job whose budget is spent is refused, and no runner starts. */
@QuarkusTest
@TestProfile(GithubJobBudgetRefusedTest.Profile.class)
class GithubJobBudgetRefusedTest {
  static final String OWNER = "budget-" + dev.cde.bridge.cost.budget.BudgetsProfile.run("budget-tests.refused-run");

  public static class Profile extends RealRunnersProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> m = new HashMap<>(super.getConfigOverrides());
      m.put("cde.budgets.policy", "refuse");
      m.put("cde.budgets.rules[0].scope", "org:" + OWNER);
      m.put("cde.budgets.rules[0].period", "month");
      m.put("cde.budgets.rules[0].amount", "0");
      return m;
    }
  }

  @Inject
  GithubJobStore store;
  @Inject
  dev.cde.bridge.session.SessionBroker broker;

  @Test
  void aJobUnderASpentBudgetIsRefusedWithTheBudgetAsItsDetail() throws Exception {
    String repo = OWNER + "/app";
    long run = fresh();
    stubRepository(repo, run, "idle");
    long job = fresh();
    deliver(delivery("queued", repo, true, job, run, null, "cde-serverless"));
    await().atMost(Duration.ofSeconds(20)).until(() -> store.job(job, 1).map(j -> GithubJob.REFUSED.equals(j.status()))
        .orElse(false));
    assertThat(store.job(job, 1).orElseThrow().detail()).matches("refused: budget org:" + OWNER
        + " per month is spent: 0 of 0 USD \\(UTC month resets at \\d{4}-\\d\\d-01T00:00:00Z\\)");
    assertThat(store.runnersStartedFor(job, 1)).isZero();
    assertThat(jitRequests(repo)).isZero();
    // another owner's job is not covered, and gets its runner
    String other = "octo/" + OWNER;
    stubRepository(other, run, "idle");
    long served = fresh();
    deliver(delivery("queued", other, true, served, run, null, "cde-serverless"));
    await().atMost(Duration.ofSeconds(40)).until(() -> store.runnersStartedFor(served, 1) == 1);
  }

  /** The agents run unsandboxed here, so they must not outlive the test; the job first, or its runner comes back. */
  @org.junit.jupiter.api.AfterEach
  void endLeftoverSessions() {
    java.util.List<String> open = java.util.List.of(GithubJob.QUEUED, GithubJob.IN_PROGRESS);
    for (String repo : store.activeRepositories()) {
      for (GithubJob j : store.jobs(repo, open)) {
        store.moveJob(j.jobId(), j.runAttempt(), GithubJob.COMPLETED, null, "test over", open);
      }
    }
    for (var s : broker.list(java.util.EnumSet.of(dev.cde.bridge.session.SessionState.PENDING,
        dev.cde.bridge.session.SessionState.STARTING, dev.cde.bridge.session.SessionState.RUNNING))) {
      broker.end(s.id(), "test over");
    }
  }
}
