package dev.cde.bridge.session;

import dev.cde.bridge.problem.InvalidRequestException;
import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import javax.sql.DataSource;

/**
 * The job a session ran, as its client names it ({@code job} of {@code POST /api/v1/sessions}): the cost
 * aggregates and the size advice group such sessions by it as they group GitHub jobs (table {@code session_jobs}).
 */
@ApplicationScoped
public class SessionJobs {
  static final int MAX = 200;
  private final Sql sql;

  public SessionJobs(DataSource db) {
    this.sql = new Sql(db, "session jobs");
  }

  /** Checks a request's job before anything is created; null when it names none. */
  static CreateSessionRequest.JobRequest checked(CreateSessionRequest body) {
    CreateSessionRequest.JobRequest job = body == null ? null : body.job();
    if (job == null) {
      return null;
    }
    if (job.name() == null || job.name().isBlank() || job.name().strip().length() > MAX) {
      throw new InvalidRequestException("job.name is required with job: 1 to " + MAX + " characters");
    }
    if (job.workflow() != null && job.workflow().strip().length() > MAX) {
      throw new InvalidRequestException("job.workflow is longer than " + MAX + " characters");
    }
    return job;
  }

  void record(String sessionId, CreateSessionRequest.JobRequest job) {
    sql.update("INSERT INTO session_jobs (session_id, workflow, job_name) VALUES (?, ?, ?)", ps -> {
      ps.setString(1, sessionId);
      ps.setString(2, job.workflow() == null || job.workflow().isBlank() ? null : job.workflow().strip());
      ps.setString(3, job.name().strip());
    });
  }
}
