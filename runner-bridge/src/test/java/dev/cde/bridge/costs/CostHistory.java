package dev.cde.bridge.costs;

import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.github.runners.GithubJob;
import dev.cde.bridge.github.runners.GithubJobStore;
import dev.cde.bridge.github.runners.GithubRunner;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionState;
import dev.cde.bridge.session.SessionStore;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Ended sessions and the GitHub jobs they ran, written through the stores the bridge itself uses. */
public final class CostHistory {
  private final SessionStore sessions;
  private final GithubJobStore github;
  private final ArchiveIndex archives;

  public CostHistory(SessionStore sessions, GithubJobStore github, ArchiveIndex archives) {
    this.sessions = sessions;
    this.github = github;
    this.archives = archives;
  }

  /** A session that ran {@code seconds} up to {@code end}, billed that long, with these costs (USD, 6 places). */
  public Session ended(Instant end, double cpu, long memoryMb, String gpuType, int gpuCount, long seconds, String cpuUsd,
      String memoryUsd, String gpuUsd) {
    BigDecimal c = new BigDecimal(cpuUsd).setScale(6);
    BigDecimal m = new BigDecimal(memoryUsd).setScale(6);
    BigDecimal g = new BigDecimal(gpuUsd).setScale(6);
    CostBreakdown cost = new CostBreakdown("local/default", "USD", BigDecimal.valueOf(seconds).setScale(3), c, m, g,
        BigDecimal.ZERO.setScale(6), c.add(m).add(g), List.of());
    Instant start = end.minusSeconds(seconds);
    Session s = new Session("s-cost-" + UUID.randomUUID().toString().substring(0, 12), SessionState.ENDED, "default",
        cpu, memoryMb, gpuType, gpuCount, 3600, "local", null, null, start.minusSeconds(5), start, end, "test",
        cost.total(), cost, null, null);
    sessions.insert(s);
    return s;
  }

  /** A session named {@code name} in {@code repo}'s cache scope, as an API client that names its runs makes it. */
  public Session named(String repo, String name, Session session) {
    Session named = new Session(session.id(), session.state(), session.template(), session.cpu(), session.memoryMb(),
        session.gpuType(), session.gpuCount(), session.maxDurationSeconds(), session.provider(), session.instanceId(),
        session.endpoint(), session.createdAt(), session.startedAt(), session.endedAt(), session.endReason(),
        session.costUsd(), session.cost(), session.agent(), name);
    sessions.update(named, SessionState.ENDED);
    archives.recordScope(session.id(), new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
    return named;
  }

  /** Makes {@code session} the runner of a completed GitHub job; returns the job's label key as compared. */
  public String github(String repo, String workflow, String job, List<String> labels, Session session) {
    long jobId = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
    String key = String.join("\n", new TreeSet<>(labels.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList()));
    Instant t = session.createdAt();
    github.insertJob(new GithubJob(jobId, 1, repo, jobId + 1, job, labels, key, GithubJob.COMPLETED, null,
        "cde-" + jobId + "-1", null, 0, t, t));
    github.recordWorkflowName(jobId, 1, workflow);
    github.insertRunner(new GithubRunner("cde-" + jobId + "-1", session.id(), repo, labels, key, jobId, 1, 7L, jobId,
        GithubRunner.DONE, null, t, t));
    archives.recordScope(session.id(), new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
    return key;
  }
}
