package dev.cde.bridge.github.runners;

import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.cost.report.CostReports;
import dev.cde.bridge.github.api.JobLookup;
import dev.cde.bridge.github.api.WorkflowJob;
import dev.cde.bridge.github.webhook.WorkflowJobEvent;
import dev.cde.bridge.problem.NotFoundException;
import dev.cde.bridge.session.SessionBroker;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * What the runner's job hooks ask the bridge. At job start: which job did this runner take (GitHub says it in
 * {@code in_progress}; if that webhook is late or lost, the run's job list says it), and may it run? At job end:
 * what did it cost so far, for the job's summary. Both times go to the session's meter: GitHub bills a job from its
 * start, so the report's comparison with GitHub-hosted runners counts from there.
 */
@ApplicationScoped
public class RunnerHooks {
  private static final Logger LOG = Logger.getLogger(RunnerHooks.class);

  private final GithubJobStore store;
  private final GithubRunners runners;
  private final JobLookup jobs;
  private final SessionBroker broker;
  private final ArchiveIndex archives;
  private final CostReports reports;

  public RunnerHooks(GithubJobStore store, GithubRunners runners, JobLookup jobs, SessionBroker broker,
      ArchiveIndex archives, CostReports reports) {
    this.store = store;
    this.runners = runners;
    this.jobs = jobs;
    this.broker = broker;
    this.archives = archives;
    this.reports = reports;
  }

  /** The hook's verdict: run the job, or fail it with a reason the workflow's author can act on. */
  public record Verdict(boolean run, String message) {
  }

  public Verdict jobStarted(String sessionId, long runId, int runAttempt, String ref) {
    GithubRunner runner = runner(sessionId);
    broker.costs().meters().jobStarted(sessionId);
    Optional<GithubJob> job = Optional.ofNullable(runner.jobId()).flatMap(id -> store.job(id, runAttempt));
    if (job.isEmpty() && runId > 0) {
      job = learnFromRun(runner, runId, runAttempt);
    }
    if (job.isPresent()) {
      GithubJob j = job.get();
      LOG.infof("github runner %s: hook says job %d attempt %d started", runner.name(), j.jobId(), j.runAttempt());
      if (j.labelError() != null) {
        return new Verdict(false, j.labelError());
      }
      recordCacheScope(sessionId, j, ref);
      return new Verdict(true, "job " + j.jobId());
    }
    // Which job it took is unknown (GitHub unreachable), so its branch is too: its cache is its own only, fixed
    // now so that a later call cannot pick another scope.
    archives.recordScope(sessionId, new CacheScope(runner.repository(), "isolated/" + sessionId, null));
    // A runner started only to fail a job fails this one.
    Optional<GithubJob> forJob = store.job(runner.forJobId(), runner.forRunAttempt());
    if (forJob.isPresent() && forJob.get().labelError() != null) {
      return new Verdict(false, forJob.get().labelError());
    }
    return new Verdict(true, "job not yet known to the bridge");
  }

  /**
   * Fixes the session's cache scope at its job's start. The repository and branches come from GitHub's signed
   * webhooks; only whether the job runs for a pull request comes from the hook's {@code GITHUB_REF}, which the
   * runner sets before any step of the job runs, and only the first call of a session counts (a later call,
   * which job code could make with the token it can read, changes nothing). A ref that contradicts the webhook
   * gets a scope of its own that nothing else reads or writes.
   */
  private void recordCacheScope(String sessionId, GithubJob j, String ref) {
    String[] branches = store.branches(j.jobId(), j.runAttempt());
    String defaultRef = branches[1] == null ? null : "refs/heads/" + branches[1];
    String r = ref == null ? "" : ref.strip();
    String scopeRef;
    if (r.matches("refs/pull/\\d+/(merge|head)") || r.startsWith("refs/tags/")) {
      scopeRef = r;
    } else if (branches[0] != null && r.equals("refs/heads/" + branches[0])) {
      scopeRef = r;
    } else {
      LOG.warnf("github runner of session %s: ref %s does not match job %d's branch %s; its cache is its own only",
          sessionId, r.isEmpty() ? "(none)" : r, j.jobId(), branches[0]);
      scopeRef = "isolated/" + sessionId;
      defaultRef = null;
    }
    CacheScope held = archives.recordScope(sessionId, new CacheScope(j.repository(), scopeRef, defaultRef));
    LOG.infof("github runner of session %s: cache scope %s %s (reads %s)", sessionId, held.repository(), held.ref(),
        held.readRefs());
  }

  /** Asks GitHub which job of the run has this runner, and records it as that job's {@code in_progress}. */
  private Optional<GithubJob> learnFromRun(GithubRunner runner, long runId, int runAttempt) {
    String[] ownerRepo = runner.repository().split("/", 2);
    try {
      for (WorkflowJob j : jobs.jobsOfRun(ownerRepo[0], ownerRepo[1], runId, runAttempt)) {
        if (runner.name().equals(j.runnerName())) {
          runners.handle(new WorkflowJobEvent("in_progress", j.jobId(), j.runId(), j.runAttempt(), j.name(),
              j.labels(), runner.repository(), true, j.runnerName(), null, null, null));
          return store.job(j.jobId(), j.runAttempt());
        }
      }
    } catch (RuntimeException e) {
      LOG.warnf("github runner %s: cannot read the jobs of run %d: %s", runner.name(), runId, e.getMessage());
    }
    return Optional.empty();
  }

  /** The job's cost report in Markdown, for its summary: the session still runs, so the figures are so far. */
  public String jobCompleted(String sessionId) {
    GithubRunner runner = runner(sessionId);
    broker.costs().meters().jobEnded(sessionId);
    LOG.infof("github runner %s: hook says its job completed", runner.name());
    return reports.markdown(sessionId);
  }

  private GithubRunner runner(String sessionId) {
    return store.runnerOfSession(sessionId)
        .orElseThrow(() -> new NotFoundException("session " + sessionId + " runs no GitHub runner"));
  }
}
