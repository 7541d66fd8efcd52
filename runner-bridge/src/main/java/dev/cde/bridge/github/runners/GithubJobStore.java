package dev.cde.bridge.github.runners;

import static dev.cde.bridge.store.Sql.clip;

import dev.cde.bridge.store.Sql;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code github_jobs} and {@code github_runners} tables. State changes are compare-and-set on the old
 * status, so a webhook, the reconciler and a runner's exit racing on one row cannot undo each other.
 */
@ApplicationScoped
public class GithubJobStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JOB_COLUMNS = "job_id, run_attempt, repository, run_id, job_name, labels, label_key,"
      + " status, label_error, runner_name, detail, launch_failures, created_at, updated_at";
  private static final String RUNNER_COLUMNS = "runner_name, session_id, repository, labels, label_key, for_job_id,"
      + " for_run_attempt, runner_id, job_id, state, detail, created_at, updated_at";

  private final Sql sql;

  public GithubJobStore(DataSource db) {
    this.sql = new Sql(db, "GitHub job store");
  }

  // ------------------------------------------------------------------------------------------ jobs

  /** Inserts the job; false when this attempt of it is already known. */
  public boolean insertJob(GithubJob j) {
    return sql.insertOnce("INSERT INTO github_jobs (" + JOB_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ps -> {
          ps.setLong(1, j.jobId());
          ps.setInt(2, j.runAttempt());
          ps.setString(3, j.repository());
          ps.setLong(4, j.runId());
          ps.setString(5, clip(j.jobName(), 500));
          ps.setString(6, json(j.labels()));
          ps.setString(7, j.labelKey());
          ps.setString(8, j.status());
          ps.setString(9, clip(j.labelError(), 2000));
          ps.setString(10, j.runnerName());
          ps.setString(11, clip(j.detail(), 2000));
          ps.setInt(12, j.launchFailures());
          ps.setTimestamp(13, Timestamp.from(j.createdAt()));
          ps.setTimestamp(14, Timestamp.from(j.updatedAt()));
        });
  }

  public Optional<GithubJob> job(long jobId, int runAttempt) {
    List<GithubJob> found = queryJobs("WHERE job_id = ? AND run_attempt = ?", ps -> {
      ps.setLong(1, jobId);
      ps.setInt(2, runAttempt);
    });
    return found.stream().findFirst();
  }

  /** The jobs of a repository in one of {@code statuses}, oldest first. */
  public List<GithubJob> jobs(String repository, Collection<String> statuses) {
    return queryJobs("WHERE repository = ? AND status IN (" + placeholders(statuses.size()) + ") ORDER BY created_at",
        ps -> {
          ps.setString(1, repository);
          int i = 2;
          for (String s : statuses) {
            ps.setString(i++, s);
          }
        });
  }

  /** Newest first, at most {@code limit}. */
  public List<GithubJob> recentJobs(int limit) {
    return queryJobs("ORDER BY created_at DESC FETCH FIRST " + Math.max(1, limit) + " ROWS ONLY", ps -> { });
  }

  /**
   * Moves the job to {@code status} if it is in one of {@code from}; {@code runnerName} and {@code detail}
   * replace the old values only when not null.
   */
  public boolean moveJob(long jobId, int runAttempt, String status, String runnerName, String detail,
      Collection<String> from) {
    return sql.update("UPDATE github_jobs SET status = ?, runner_name = COALESCE(?, runner_name),"
        + " detail = COALESCE(?, detail), updated_at = ? WHERE job_id = ? AND run_attempt = ? AND status IN ("
        + placeholders(from.size()) + ")", ps -> {
          ps.setString(1, status);
          ps.setString(2, runnerName);
          ps.setString(3, clip(detail, 2000));
          ps.setTimestamp(4, Timestamp.from(Instant.now()));
          ps.setLong(5, jobId);
          ps.setInt(6, runAttempt);
          int i = 7;
          for (String s : from) {
            ps.setString(i++, s);
          }
        }) > 0;
  }

  /** Records the job's branch and its repository's default branch (a null leaves the known value). */
  public void recordBranches(long jobId, int runAttempt, String headBranch, String defaultBranch) {
    sql.update("UPDATE github_jobs SET head_branch = COALESCE(?, head_branch), default_branch = COALESCE(?, default_branch)"
        + " WHERE job_id = ? AND run_attempt = ?", ps -> {
          ps.setString(1, clip(headBranch, 300));
          ps.setString(2, clip(defaultBranch, 300));
          ps.setLong(3, jobId);
          ps.setInt(4, runAttempt);
        });
  }

  /** Records the workflow the job belongs to (a null leaves the known value); the cost aggregates group by it. */
  public void recordWorkflowName(long jobId, int runAttempt, String workflowName) {
    sql.update("UPDATE github_jobs SET workflow_name = COALESCE(?, workflow_name) WHERE job_id = ? AND run_attempt = ?",
        ps -> {
          ps.setString(1, clip(workflowName, 500));
          ps.setLong(2, jobId);
          ps.setInt(3, runAttempt);
        });
  }

  /** {@code [head_branch, default_branch]} as the webhooks said them; either may be null. */
  public String[] branches(long jobId, int runAttempt) {
    String[] b = new String[2];
    sql.query("SELECT head_branch, default_branch FROM github_jobs WHERE job_id = ? AND run_attempt = ?", ps -> {
      ps.setLong(1, jobId);
      ps.setInt(2, runAttempt);
    }, rs -> {
      b[0] = rs.getString(1);
      b[1] = rs.getString(2);
    });
    return b;
  }

  /** Counts a failed launch for the job; returns the new count. */
  public int launchFailed(long jobId, int runAttempt, String detail) {
    sql.update("UPDATE github_jobs SET launch_failures = launch_failures + 1, detail = ?, updated_at = ?"
        + " WHERE job_id = ? AND run_attempt = ?", ps -> {
          ps.setString(1, clip(detail, 2000));
          ps.setTimestamp(2, Timestamp.from(Instant.now()));
          ps.setLong(3, jobId);
          ps.setInt(4, runAttempt);
        });
    return job(jobId, runAttempt).map(GithubJob::launchFailures).orElse(0);
  }

  /** Repositories with a job that is not finished, or a runner that is not done. */
  public List<String> activeRepositories() {
    List<String> repos = new ArrayList<>();
    sql.query("SELECT DISTINCT repository FROM github_jobs WHERE status IN ('waiting', 'queued', 'in_progress')"
        + " UNION SELECT DISTINCT repository FROM github_runners WHERE state <> 'done'", ps -> { },
        rs -> repos.add(rs.getString(1)));
    return repos;
  }

  // --------------------------------------------------------------------------------------- runners

  public boolean insertRunner(GithubRunner r) {
    return sql.insertOnce("INSERT INTO github_runners (" + RUNNER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ps -> {
          ps.setString(1, r.name());
          ps.setString(2, r.sessionId());
          ps.setString(3, r.repository());
          ps.setString(4, json(r.labels()));
          ps.setString(5, r.labelKey());
          ps.setLong(6, r.forJobId());
          ps.setInt(7, r.forRunAttempt());
          setLong(ps, 8, r.runnerId());
          setLong(ps, 9, r.jobId());
          ps.setString(10, r.state());
          ps.setString(11, clip(r.detail(), 2000));
          ps.setTimestamp(12, Timestamp.from(r.createdAt()));
          ps.setTimestamp(13, Timestamp.from(r.updatedAt()));
        });
  }

  public Optional<GithubRunner> runner(String name) {
    return queryRunners("WHERE runner_name = ?", ps -> ps.setString(1, name)).stream().findFirst();
  }

  /** The runner that took the job (the newest, should a re-run have used several). */
  public Optional<GithubRunner> runnerOfJob(long jobId) {
    return queryRunners("WHERE job_id = ? ORDER BY created_at DESC", ps -> ps.setLong(1, jobId)).stream().findFirst();
  }

  public Optional<GithubRunner> runnerOfSession(String sessionId) {
    return queryRunners("WHERE session_id = ?", ps -> ps.setString(1, sessionId)).stream().findFirst();
  }

  /** Runners of the repository that are not done, oldest first. */
  public List<GithubRunner> liveRunners(String repository) {
    return queryRunners("WHERE repository = ? AND state <> 'done' ORDER BY created_at", ps -> ps.setString(1, repository));
  }

  public List<GithubRunner> liveRunners() {
    return queryRunners("WHERE state <> 'done' ORDER BY created_at", ps -> { });
  }

  /** Names already used for this job attempt's runners (a relaunch needs a fresh one). */
  public int runnersStartedFor(long jobId, int runAttempt) {
    int[] n = {0};
    sql.query("SELECT COUNT(*) FROM github_runners WHERE for_job_id = ? AND for_run_attempt = ?", ps -> {
      ps.setLong(1, jobId);
      ps.setInt(2, runAttempt);
    }, rs -> n[0] = rs.getInt(1));
    return n[0];
  }

  /** Newest first, at most {@code limit}. */
  public List<GithubRunner> recentRunners(int limit) {
    return queryRunners("ORDER BY created_at DESC FETCH FIRST " + Math.max(1, limit) + " ROWS ONLY", ps -> { });
  }

  /**
   * Moves the runner to {@code state} if it is in one of {@code from}; {@code runnerId}, {@code jobId} and
   * {@code detail} replace the old values only when not null.
   */
  public boolean moveRunner(String name, String state, Long runnerId, Long jobId, String detail,
      Collection<String> from) {
    return sql.update("UPDATE github_runners SET state = ?, runner_id = COALESCE(?, runner_id),"
        + " job_id = COALESCE(?, job_id), detail = COALESCE(?, detail), updated_at = ?"
        + " WHERE runner_name = ? AND state IN (" + placeholders(from.size()) + ")", ps -> {
          ps.setString(1, state);
          setLong(ps, 2, runnerId);
          setLong(ps, 3, jobId);
          ps.setString(4, clip(detail, 2000));
          ps.setTimestamp(5, Timestamp.from(Instant.now()));
          ps.setString(6, name);
          int i = 7;
          for (String s : from) {
            ps.setString(i++, s);
          }
        }) > 0;
  }

  // ---------------------------------------------------------------------------------------- plumbing

  private List<GithubJob> queryJobs(String where, Sql.Binder binder) {
    List<GithubJob> out = new ArrayList<>();
    sql.query("SELECT " + JOB_COLUMNS + " FROM github_jobs " + where, binder, rs -> out.add(new GithubJob(
        rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getLong(4), rs.getString(5), labels(rs.getString(6)),
        rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getInt(12),
        rs.getTimestamp(13).toInstant(), rs.getTimestamp(14).toInstant())));
    return out;
  }

  private List<GithubRunner> queryRunners(String where, Sql.Binder binder) {
    List<GithubRunner> out = new ArrayList<>();
    sql.query("SELECT " + RUNNER_COLUMNS + " FROM github_runners " + where, binder, rs -> out.add(new GithubRunner(
        rs.getString(1), rs.getString(2), rs.getString(3), labels(rs.getString(4)), rs.getString(5), rs.getLong(6),
        rs.getInt(7), nullableLong(rs, 8), nullableLong(rs, 9), rs.getString(10), rs.getString(11),
        rs.getTimestamp(12).toInstant(), rs.getTimestamp(13).toInstant())));
    return out;
  }

  private static String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(Math.max(1, n), "?"));
  }

  private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, v);
    }
  }

  private static Long nullableLong(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : v;
  }

  private static String json(List<String> labels) {
    try {
      return JSON.writeValueAsString(labels);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> labels(String json) {
    try {
      return JSON.readValue(json, new TypeReference<List<String>>() { });
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable labels in the GitHub job store", e);
    }
  }
}
