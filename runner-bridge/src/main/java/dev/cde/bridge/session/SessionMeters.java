package dev.cde.bridge.session;

import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * The {@code session_meters} table: each statement sets its own columns only, so the job hooks, the executor's
 * stages and the broker never overwrite each other. A job's start keeps the first report (every GitLab stage sends
 * one); its end keeps the last.
 */
@ApplicationScoped
public class SessionMeters {
  private static final String COLUMNS = "session_id, ready_at, job_started_at, job_ended_at, granted_cpu,"
      + " granted_memory_mb, granted_gpu_type, granted_gpu_count";
  private final Sql sql;
  // Millisecond ticks, like the broker's: what the database keeps, so a recorded time reads back equal.
  private final java.time.Clock clock = java.time.Clock.tick(java.time.Clock.systemUTC(), java.time.Duration.ofMillis(1));

  public SessionMeters(DataSource db) {
    this.sql = new Sql(db, "session meters");
  }

  /** The job started now. */
  public Instant jobStarted(String sessionId) {
    return jobStarted(sessionId, clock.instant());
  }

  /** The job ended now. */
  public Instant jobEnded(String sessionId) {
    return jobEnded(sessionId, clock.instant());
  }

  /** The agent answered: when, and what it has. */
  public void ready(String sessionId, Instant at, SessionMeter.Granted granted) {
    set(sessionId, "UPDATE session_meters SET ready_at = ?, granted_cpu = ?, granted_memory_mb = ?, granted_gpu_type = ?,"
        + " granted_gpu_count = ? WHERE session_id = ?", ps -> {
          SessionStore.setInstant(ps, 1, at);
          if (granted == null) {
            ps.setNull(2, Types.DOUBLE);
            ps.setNull(3, Types.BIGINT);
            ps.setNull(4, Types.VARCHAR);
            ps.setNull(5, Types.INTEGER);
          } else {
            ps.setObject(2, granted.cpu(), Types.DOUBLE);
            ps.setObject(3, granted.memoryMb(), Types.BIGINT);
            ps.setString(4, granted.gpuType());
            ps.setObject(5, granted.gpuCount(), Types.INTEGER);
          }
          ps.setString(6, sessionId);
        });
  }

  /** The job started; a later report of the same start changes nothing. Returns the recorded start. */
  public Instant jobStarted(String sessionId, Instant at) {
    Instant known = find(sessionId).jobStartedAt();
    if (known != null) {
      return known;
    }
    set(sessionId, "UPDATE session_meters SET job_started_at = ? WHERE session_id = ? AND job_started_at IS NULL", ps -> {
      SessionStore.setInstant(ps, 1, at);
      ps.setString(2, sessionId);
    });
    return find(sessionId).jobStartedAt();
  }

  /** The job ended (the latest report wins: a retried stage ends later). */
  public Instant jobEnded(String sessionId, Instant at) {
    set(sessionId, "UPDATE session_meters SET job_ended_at = ? WHERE session_id = ?", ps -> {
      SessionStore.setInstant(ps, 1, at);
      ps.setString(2, sessionId);
    });
    return at;
  }

  /** The session's meter; all nulls when nothing was recorded (a session older than metering). */
  public SessionMeter find(String sessionId) {
    SessionMeter[] found = {SessionMeter.none(sessionId)};
    sql.query("SELECT " + COLUMNS + " FROM session_meters WHERE session_id = ?", ps -> ps.setString(1, sessionId),
        rs -> found[0] = read(rs));
    return found[0];
  }

  /** Updates the row, making it first if the session has none yet (a second writer's row is fine too). */
  private void set(String sessionId, String update, Sql.Binder binder) {
    if (sql.update(update, binder) == 0) {
      sql.insertOnce("INSERT INTO session_meters (session_id) VALUES (?)", ps -> ps.setString(1, sessionId));
      sql.update(update, binder);
    }
  }

  private static SessionMeter read(ResultSet rs) throws SQLException {
    Double cpu = rs.getObject("granted_cpu", Double.class);
    Long mem = rs.getObject("granted_memory_mb", Long.class);
    String gpuType = rs.getString("granted_gpu_type");
    Integer gpus = rs.getObject("granted_gpu_count", Integer.class);
    SessionMeter.Granted granted = cpu == null && mem == null && gpuType == null && gpus == null ? null
        : new SessionMeter.Granted(cpu, mem, gpuType, gpus);
    return new SessionMeter(rs.getString("session_id"), SessionStore.getInstant(rs, "ready_at"),
        SessionStore.getInstant(rs, "job_started_at"), SessionStore.getInstant(rs, "job_ended_at"), granted);
  }
}
