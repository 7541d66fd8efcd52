package dev.cde.bridge.costs;

import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Ended sessions with their cost, joined with the job each ran: a GitHub runner's job (repository, workflow, job
 * name, labels), or the repository of the session's cache scope and the job its client named (a GitLab job, or an
 * API client that gave them).
 * Reads the tables other features own and writes none.
 */
@ApplicationScoped
public class CostLines {
  // The runner's job is the one GitHub gave it (job_id), or failing that the one it was started for. GitHub gives
  // each attempt of a job its own id; the newest attempt is taken should an id ever come back, so a session is
  // never counted twice.
  private static final String SELECT = """
      SELECT s.id, s.ended_at, s.cpu, s.memory_mb, s.gpu_type, s.gpu_count, s.billed_seconds,
             s.cost_cpu_usd, s.cost_memory_usd, s.cost_gpu_usd, s.cost_usd,
             COALESCE(r.repository, cs.repository), COALESCE(j.workflow_name, sj.workflow),
             COALESCE(j.job_name, sj.job_name), COALESCE(j.label_key, r.label_key),
             s.name, s.started_at, s.billed_millis, m.job_started_at, m.job_ended_at, s.cost_currency
      FROM sessions s
      LEFT JOIN session_meters m ON m.session_id = s.id
      LEFT JOIN github_runners r ON r.session_id = s.id
      LEFT JOIN github_jobs j ON j.job_id = COALESCE(r.job_id, r.for_job_id)
        AND j.run_attempt = (SELECT MAX(j2.run_attempt) FROM github_jobs j2 WHERE j2.job_id = COALESCE(r.job_id, r.for_job_id))
      LEFT JOIN cache_session_scopes cs ON cs.session_id = s.id
      LEFT JOIN session_jobs sj ON sj.session_id = s.id
      WHERE s.cost_usd IS NOT NULL AND s.ended_at >= ? AND s.ended_at < ?""";

  private final Sql sql;

  public CostLines(DataSource db) {
    this.sql = new Sql(db, "cost aggregates");
  }

  /** Hands each ended session of the query's period (and GPU filter) to {@code sink}, one row at a time. */
  public void forEach(CostQuery query, Consumer<CostLine> sink) {
    String gpu = query.gpu() == null ? "" : query.gpu() ? " AND s.gpu_count > 0" : " AND s.gpu_count = 0";
    sql.query(SELECT + gpu, ps -> {
      ps.setObject(1, OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC));
      ps.setObject(2, OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
    }, rs -> sink.accept(read(rs)));
  }

  /**
   * The ended sessions of one repository (all when null) that ended in {@code [from, to)}, newest first: a job's
   * history for the sizing advice.
   */
  public void history(Instant from, Instant to, String repository, Consumer<CostLine> sink) {
    String where = repository == null ? "" : " AND COALESCE(r.repository, cs.repository) = ?";
    sql.query(SELECT + where + " ORDER BY s.ended_at DESC", ps -> {
      ps.setObject(1, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
      ps.setObject(2, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
      if (repository != null) {
        ps.setString(3, repository);
      }
    }, rs -> sink.accept(read(rs)));
  }

  /** One session's line, with the job it ran; a running session's has no cost yet (zero) and no end. */
  public Optional<CostLine> line(String sessionId) {
    List<CostLine> found = new ArrayList<>();
    sql.query(SELECT.substring(0, SELECT.lastIndexOf("WHERE s.cost_usd")) + "WHERE s.id = ?", ps -> ps.setString(1, sessionId),
        rs -> found.add(read(rs)));
    return found.stream().findFirst();
  }

  private static CostLine read(ResultSet rs) throws SQLException {
    return new CostLine(rs.getString(1), instant(rs, 2), rs.getDouble(3),
        rs.getLong(4), rs.getString(5), rs.getInt(6), rs.getLong(7), money(rs, 8), money(rs, 9), money(rs, 10),
        money(rs, 11), rs.getString(12), rs.getString(13), rs.getString(14), rs.getString(15), rs.getString(16),
        instant(rs, 17), rs.getObject(18) == null ? null : rs.getLong(18), instant(rs, 19), instant(rs, 20),
        rs.getString(21));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private static BigDecimal money(ResultSet rs, int column) throws SQLException {
    BigDecimal v = rs.getBigDecimal(column);
    return v == null ? BigDecimal.ZERO : v;
  }
}
