package dev.cde.bridge.replica;

import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Named leases in the {@code leases} table with plain JDBC that H2 and PostgreSQL both accept (rather than
 * PostgreSQL's advisory locks, which H2, the embedded default, lacks, and which die with their connection, so a
 * pooled connection would hold them on for a dead caller). Taking a lease is one compare-and-set UPDATE (held by
 * me, or expired) else one INSERT that the primary key lets only one replica win, so two replicas never both hold
 * it. Expiry is measured on the database's clock, the one clock all replicas share: a replica whose own clock is
 * off neither steals a live lease nor keeps a dead one.
 */
@ApplicationScoped
public class Leases {
  private final Sql sql;

  public Leases(DataSource db) {
    this.sql = new Sql(db, "lease store");
  }

  /** The database's clock. */
  public Instant now() {
    Instant[] now = {null};
    sql.query("SELECT CURRENT_TIMESTAMP", ps -> { }, rs -> now[0] = rs.getTimestamp(1).toInstant());
    return now[0];
  }

  /**
   * Takes or renews {@code name} for {@code holder} until {@code ttl} from now, if it is free, expired, already
   * {@code holder}'s, or held by one of {@code takeOverFrom} (a holder known dead); false when another holds it.
   */
  public boolean acquire(String name, String holder, String host, long pid, Duration ttl, String... takeOverFrom) {
    Instant now = now();
    Timestamp until = Timestamp.from(now.plus(ttl));
    StringBuilder where = new StringBuilder("name = ? AND (holder = ? OR expires_at < ?");
    for (int i = 0; i < takeOverFrom.length; i++) {
      where.append(" OR holder = ?");
    }
    where.append(')');
    int changed = sql.update("UPDATE leases SET holder = ?, host = ?, pid = ?, expires_at = ?, renewed_at = ? WHERE "
        + where, ps -> {
          ps.setString(1, holder);
          ps.setString(2, host);
          ps.setLong(3, pid);
          ps.setTimestamp(4, until);
          ps.setTimestamp(5, Timestamp.from(now));
          ps.setString(6, name);
          ps.setString(7, holder);
          ps.setTimestamp(8, Timestamp.from(now));
          for (int i = 0; i < takeOverFrom.length; i++) {
            ps.setString(9 + i, takeOverFrom[i]);
          }
        });
    if (changed > 0) {
      return true;
    }
    return sql.insertOnce("INSERT INTO leases (name, holder, host, pid, expires_at, renewed_at) VALUES (?, ?, ?, ?, ?, ?)",
        ps -> {
          ps.setString(1, name);
          ps.setString(2, holder);
          ps.setString(3, host);
          ps.setLong(4, pid);
          ps.setTimestamp(5, until);
          ps.setTimestamp(6, Timestamp.from(now));
        });
  }

  /** Gives {@code name} up if {@code holder} holds it; false when it did not. */
  public boolean release(String name, String holder) {
    return sql.update("DELETE FROM leases WHERE name = ? AND holder = ?", ps -> {
      ps.setString(1, name);
      ps.setString(2, holder);
    }) > 0;
  }

  /** The row of {@code name}, expired or not. */
  public Optional<Lease> find(String name) {
    Lease[] found = {null};
    sql.query("SELECT name, holder, host, pid, expires_at FROM leases WHERE name = ?", ps -> ps.setString(1, name),
        rs -> found[0] = new Lease(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
            rs.getTimestamp(5).toInstant()));
    return Optional.ofNullable(found[0]);
  }
}
