package dev.cde.bridge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The JDBC plumbing the feature stores share: one connection per statement, parameters bound by a lambda, rows
 * read by another, and "insert unless it exists" answered by the unique key (atomic across threads and bridge
 * replicas, unlike a select-then-insert). Failures become {@link IllegalStateException}s that name the store.
 */
public final class Sql {
  /** SQLSTATE of a unique violation in both H2 and PostgreSQL. */
  public static final String UNIQUE_VIOLATION = "23505";

  @FunctionalInterface
  public interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  @FunctionalInterface
  public interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private final DataSource db;
  private final String store;

  /** {@code store} names the tables' owner in error messages, e.g. "GitHub job store". */
  public Sql(DataSource db, String store) {
    this.db = db;
    this.store = store;
  }

  /**
   * {@code s} cut to {@code max} characters (its last one then an ellipsis): both databases refuse a longer value
   * for a {@code VARCHAR(max)} column, and a free-text column (a reason, a detail) must not fail the write of the
   * row it belongs to.
   */
  public static String clip(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  /** Runs a SELECT and hands each row to {@code reader}. */
  public void query(String sql, Binder binder, RowReader reader) {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          reader.read(rs);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(store + " query failed: " + e.getMessage(), e);
    }
  }

  /** Runs an UPDATE or DELETE; returns the rows it changed. */
  public int update(String sql, Binder binder) {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(store + " update failed: " + e.getMessage(), e);
    }
  }

  /** Runs an INSERT; false when the row's unique key is already taken. */
  public boolean insertOnce(String sql, Binder binder) {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      ps.executeUpdate();
      return true;
    } catch (SQLException e) {
      if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
        return false;
      }
      throw new IllegalStateException(store + " insert failed: " + e.getMessage(), e);
    }
  }

  /**
   * Changes the row if it exists, else inserts it; when another thread or bridge inserted it in between, the
   * update runs again. For counters and upserts with plain SQL that both H2 and PostgreSQL accept.
   */
  public void updateElseInsert(String update, Binder updateBinder, String insert, Binder insertBinder) {
    if (update(update, updateBinder) > 0) {
      return;
    }
    if (!insertOnce(insert, insertBinder)) {
      update(update, updateBinder);
    }
  }
}
