package dev.cde.bridge.github.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
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
  private final Clock clock;

  @Inject
  public DeliveryStore(DataSource db) {
    this(db, Clock.systemUTC());
  }

  /** With the clock that stamps {@code received_at}, so tests can write rows of another day. */
  public DeliveryStore(DataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** True the first time {@code deliveryId} is seen. */
  public boolean firstDelivery(String deliveryId) {
    return insertOnce("INSERT INTO github_deliveries (delivery_id, received_at) VALUES (?, ?)", ps -> {
      ps.setString(1, deliveryId);
      ps.setTimestamp(2, Timestamp.from(clock.instant()));
    }, "delivery " + deliveryId);
  }

  /** True the first time this action of this attempt of this job is seen. */
  public boolean firstJobEvent(long jobId, int runAttempt, String action) {
    return insertOnce("INSERT INTO github_job_events (job_id, run_attempt, action, received_at) VALUES (?, ?, ?, ?)",
        ps -> {
          ps.setLong(1, jobId);
          ps.setInt(2, runAttempt);
          ps.setString(3, action);
          ps.setTimestamp(4, Timestamp.from(clock.instant()));
        }, "job " + jobId + " attempt " + runAttempt + " " + action);
  }

  /** Whether the webhook took a delivery with this id (GitHub's {@code guid}) and has not pruned it since. */
  public boolean processed(String deliveryId) {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM github_deliveries WHERE delivery_id = ?")) {
      ps.setString(1, deliveryId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read delivery " + deliveryId, e);
    }
  }

  /**
   * Forgets deliveries and job events received before {@code cutoff}; an event older than that arriving again
   * would be taken as new. Returns how many rows went.
   */
  public int pruneOlderThan(Instant cutoff) {
    int pruned = 0;
    try (Connection c = db.getConnection()) {
      for (String table : new String[] {"github_deliveries", "github_job_events"}) {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE received_at < ?")) {
          ps.setTimestamp(1, Timestamp.from(cutoff));
          pruned += ps.executeUpdate();
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prune deliveries before " + cutoff, e);
    }
    return pruned;
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
