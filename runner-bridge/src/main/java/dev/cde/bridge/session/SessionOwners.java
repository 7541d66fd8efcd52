package dev.cde.bridge.session;

import dev.cde.bridge.replica.Replica;
import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Which bridge replica holds each session's tunnel: the one that created it, until that replica is gone and
 * another adopts the session (compare-and-set, so only one does). A session's own upkeep (reconnecting, ending it at
 * its max duration or when its instance exits) is its owner's, because only the owner holds its tunnel and, for
 * the local provider, its instance's process.
 */
@ApplicationScoped
public class SessionOwners {
  private final Sql sql;
  private final Replica replica;

  public SessionOwners(DataSource db, Replica replica) {
    this.sql = new Sql(db, "session owner store");
    this.replica = replica;
  }

  /** Records this replica as the owner of a new session; before its row exists, so none is ever seen unowned. */
  public void claimNew(String sessionId) {
    insert(sessionId);
  }

  public Optional<String> owner(String sessionId) {
    String[] owner = {null};
    sql.query("SELECT replica_id FROM session_owners WHERE session_id = ?", ps -> ps.setString(1, sessionId),
        rs -> owner[0] = rs.getString(1));
    return Optional.ofNullable(owner[0]);
  }

  /** True when this replica owns the session. */
  public boolean mine(String sessionId) {
    return owner(sessionId).map(replica.id()::equals).orElse(false);
  }

  /**
   * Makes the session this replica's if it is already (with {@code ownToo}), has no owner (made before owners were recorded), or its
   * owner is gone (a crashed or stopped replica); false when a live replica owns it or another adopted it first.
   */
  public boolean adoptIfOrphaned(String sessionId, boolean ownToo) {
    Optional<String> owner = owner(sessionId);
    if (owner.isEmpty()) {
      return insert(sessionId) || (ownToo && mine(sessionId));
    }
    if (owner.get().equals(replica.id())) {
      return ownToo;
    }
    if (!replica.isGone(owner.get())) {
      return false;
    }
    return sql.update("UPDATE session_owners SET replica_id = ?, updated_at = ? WHERE session_id = ? AND replica_id = ?",
        ps -> {
          ps.setString(1, replica.id());
          ps.setTimestamp(2, Timestamp.from(Instant.now()));
          ps.setString(3, sessionId);
          ps.setString(4, owner.get());
        }) > 0;
  }

  private boolean insert(String sessionId) {
    return sql.insertOnce("INSERT INTO session_owners (session_id, replica_id, updated_at) VALUES (?, ?, ?)", ps -> {
      ps.setString(1, sessionId);
      ps.setString(2, replica.id());
      ps.setTimestamp(3, Timestamp.from(Instant.now()));
    });
  }
}
