package dev.cde.bridge.github.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * What the webhook has already seen, in SQL. "First?" is answered by the primary key: the insert of a
 * duplicate fails with a unique violation, which is atomic across threads and bridge replicas, unlike a
 * select-then-insert.
 */
@ApplicationScoped
public class DeliveryStore {
  /** SQLSTATE of a unique violation in both H2 and PostgreSQL. */
  private static final String UNIQUE_VIOLATION = "23505";

  private final DataSource db;

  public DeliveryStore(DataSource db) {
    this.db = db;
  }

  /** True the first time {@code deliveryId} is seen. */
  public boolean firstDelivery(String deliveryId) {
    return insertOnce("INSERT INTO github_deliveries (delivery_id, received_at) VALUES (?, ?)", ps -> {
      ps.setString(1, deliveryId);
      ps.setTimestamp(2, Timestamp.from(Instant.now()));
    }, "delivery " + deliveryId);
  }

  /** True the first time this action of this attempt of this job is seen. */
  public boolean firstJobEvent(long jobId, int runAttempt, String action) {
    return insertOnce("INSERT INTO github_job_events (job_id, run_attempt, action, received_at) VALUES (?, ?, ?, ?)",
        ps -> {
          ps.setLong(1, jobId);
          ps.setInt(2, runAttempt);
          ps.setString(3, action);
          ps.setTimestamp(4, Timestamp.from(Instant.now()));
        }, "job " + jobId + " attempt " + runAttempt + " " + action);
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private boolean insertOnce(String sql, Binder binder, String what) {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      ps.executeUpdate();
      return true;
    } catch (SQLException e) {
      if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
        return false;
      }
      throw new IllegalStateException("cannot record " + what, e);
    }
  }
}
