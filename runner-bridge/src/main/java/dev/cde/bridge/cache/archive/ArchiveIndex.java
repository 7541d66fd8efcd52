package dev.cde.bridge.cache.archive;

import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code cache_archives}, {@code cache_session_scopes} and {@code cache_job_stats} tables. The index, not the
 * directory listing, is what readers trust: an entry exists when its row does.
 */
@ApplicationScoped
public class ArchiveIndex {
  private static final String COLUMNS = "id, repository, scope_ref, cache_key, version, file_name, size_bytes,"
      + " created_at, last_used_at";

  private final Sql sql;

  public ArchiveIndex(DataSource db) {
    this.sql = new Sql(db, "archive cache index");
  }

  /** Inserts the entry; false when its (repository, ref, key, version) is already taken. */
  public boolean insert(ArchiveEntry e) {
    return sql.insertOnce("INSERT INTO cache_archives (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
      ps.setString(1, e.id());
      ps.setString(2, e.repository());
      ps.setString(3, e.ref());
      ps.setString(4, e.key());
      ps.setString(5, e.version());
      ps.setString(6, e.fileName());
      ps.setLong(7, e.sizeBytes());
      ps.setTimestamp(8, Timestamp.from(e.createdAt()));
      ps.setTimestamp(9, Timestamp.from(e.lastUsedAt()));
    });
  }

  public Optional<ArchiveEntry> exact(String repository, String ref, String key, String version) {
    return first(query("WHERE repository = ? AND scope_ref = ? AND cache_key = ? AND version = ?", ps -> {
      ps.setString(1, repository);
      ps.setString(2, ref);
      ps.setString(3, key);
      ps.setString(4, version);
    }));
  }

  /** The newest entry whose key starts with {@code prefix}. */
  public Optional<ArchiveEntry> newestWithPrefix(String repository, String ref, String prefix, String version) {
    return first(query("WHERE repository = ? AND scope_ref = ? AND version = ? AND cache_key LIKE ? ESCAPE '!'"
        + " ORDER BY created_at DESC, id FETCH FIRST 1 ROWS ONLY", ps -> {
          ps.setString(1, repository);
          ps.setString(2, ref);
          ps.setString(3, version);
          ps.setString(4, prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        }));
  }

  public Optional<ArchiveEntry> byId(String id) {
    return first(query("WHERE id = ?", ps -> ps.setString(1, id)));
  }

  public void touch(String id, Instant when) {
    sql.update("UPDATE cache_archives SET last_used_at = ? WHERE id = ?", ps -> {
      ps.setTimestamp(1, Timestamp.from(when));
      ps.setString(2, id);
    });
  }

  public boolean delete(String id) {
    return sql.update("DELETE FROM cache_archives WHERE id = ?", ps -> ps.setString(1, id)) > 0;
  }

  /** The repository's entries, least recently used first. */
  public List<ArchiveEntry> leastRecentlyUsed(String repository) {
    return query("WHERE repository = ? ORDER BY last_used_at, created_at", ps -> ps.setString(1, repository));
  }

  public List<ArchiveEntry> unusedSince(Instant before) {
    return query("WHERE last_used_at < ?", ps -> ps.setTimestamp(1, Timestamp.from(before)));
  }

  /** Bytes per repository. */
  public Map<String, Long> sizes() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    sql.query("SELECT repository, SUM(size_bytes) FROM cache_archives GROUP BY repository", ps -> { },
        rs -> sizes.put(rs.getString(1), rs.getLong(2)));
    return sizes;
  }

  /** Entries and bytes per repository, most bytes first. */
  public List<ArchiveUsage> usage() {
    List<ArchiveUsage> out = new ArrayList<>();
    sql.query("SELECT repository, COUNT(*), SUM(size_bytes), MAX(last_used_at) FROM cache_archives"
        + " GROUP BY repository ORDER BY SUM(size_bytes) DESC, repository", ps -> { },
        rs -> out.add(new ArchiveUsage(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getTimestamp(4).toInstant())));
    return out;
  }

  public boolean knowsFile(String fileName) {
    boolean[] found = {false};
    sql.query("SELECT 1 FROM cache_archives WHERE file_name = ?", ps -> ps.setString(1, fileName), rs -> found[0] = true);
    return found[0];
  }

  // ------------------------------------------------------------------------------------------ scopes

  /** Records the session's scope unless one is recorded already; returns the one that holds. */
  public CacheScope recordScope(String sessionId, CacheScope scope) {
    sql.insertOnce("INSERT INTO cache_session_scopes (session_id, repository, scope_ref, default_ref, recorded_at)"
        + " VALUES (?, ?, ?, ?, ?)", ps -> {
          ps.setString(1, sessionId);
          ps.setString(2, scope.repository());
          ps.setString(3, scope.ref());
          ps.setString(4, scope.defaultRef());
          ps.setTimestamp(5, Timestamp.from(Instant.now()));
        });
    return scope(sessionId).orElseThrow();
  }

  public Optional<CacheScope> scope(String sessionId) {
    List<CacheScope> found = new ArrayList<>();
    sql.query("SELECT repository, scope_ref, default_ref FROM cache_session_scopes WHERE session_id = ?",
        ps -> ps.setString(1, sessionId), rs -> found.add(new CacheScope(rs.getString(1), rs.getString(2),
            rs.getString(3))));
    return found.stream().findFirst();
  }

  // ------------------------------------------------------------------------------------------- stats

  /** Adds to the session's counters (a row is made on first use). */
  public void count(String sessionId, int hits, int partialHits, int misses, long restored, long saved) {
    String set = "hits = hits + ?, partial_hits = partial_hits + ?, misses = misses + ?,"
        + " bytes_restored = bytes_restored + ?, bytes_saved = bytes_saved + ?, updated_at = ?";
    Sql.Binder add = ps -> {
      ps.setInt(1, hits);
      ps.setInt(2, partialHits);
      ps.setInt(3, misses);
      ps.setLong(4, restored);
      ps.setLong(5, saved);
      ps.setTimestamp(6, Timestamp.from(Instant.now()));
      ps.setString(7, sessionId);
    };
    // another request of the same session may make the row first; updateElseInsert then adds to it
    sql.updateElseInsert("UPDATE cache_job_stats SET " + set + " WHERE session_id = ?", add,
        "INSERT INTO cache_job_stats (session_id, hits, partial_hits, misses, bytes_restored, bytes_saved, updated_at)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?)", ps -> {
          ps.setString(1, sessionId);
          ps.setInt(2, hits);
          ps.setInt(3, partialHits);
          ps.setInt(4, misses);
          ps.setLong(5, restored);
          ps.setLong(6, saved);
          ps.setTimestamp(7, Timestamp.from(Instant.now()));
        });
  }

  public Optional<CacheStats> stats(String sessionId) {
    List<CacheStats> found = new ArrayList<>();
    sql.query("SELECT hits, partial_hits, misses, bytes_restored, bytes_saved FROM cache_job_stats WHERE session_id = ?",
        ps -> ps.setString(1, sessionId), rs -> found.add(new CacheStats(rs.getInt(1), rs.getInt(2), rs.getInt(3),
            rs.getLong(4), rs.getLong(5))));
    return found.stream().findFirst();
  }

  /** The counters of the sessions whose cache use was last counted in {@code [from, to)}, added up. */
  public CacheStats statsBetween(Instant from, Instant to) {
    CacheStats[] sum = {new CacheStats(0, 0, 0, 0, 0)};
    sql.query("SELECT COALESCE(SUM(hits), 0), COALESCE(SUM(partial_hits), 0), COALESCE(SUM(misses), 0),"
        + " COALESCE(SUM(bytes_restored), 0), COALESCE(SUM(bytes_saved), 0) FROM cache_job_stats"
        + " WHERE updated_at >= ? AND updated_at < ?", ps -> {
          ps.setTimestamp(1, Timestamp.from(from));
          ps.setTimestamp(2, Timestamp.from(to));
        }, rs -> sum[0] = new CacheStats(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getLong(4), rs.getLong(5)));
    return sum[0];
  }

  // ---------------------------------------------------------------------------------------- plumbing

  private static Optional<ArchiveEntry> first(List<ArchiveEntry> entries) {
    return entries.stream().findFirst();
  }

  private List<ArchiveEntry> query(String where, Sql.Binder binder) {
    List<ArchiveEntry> out = new ArrayList<>();
    sql.query("SELECT " + COLUMNS + " FROM cache_archives " + where, binder, rs -> out.add(new ArchiveEntry(
        rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
        rs.getLong(7), rs.getTimestamp(8).toInstant(), rs.getTimestamp(9).toInstant())));
    return out;
  }
}
