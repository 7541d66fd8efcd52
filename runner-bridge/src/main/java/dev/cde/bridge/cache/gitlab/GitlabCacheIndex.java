package dev.cde.bridge.cache.gitlab;

import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code gitlab_cache_objects} and {@code gitlab_cache_stats} tables. Unlike the keyed archives' index, a row
 * is not what makes an object exist (the file is: a rename is GitLab's last-writer-wins); it carries what a file
 * cannot: when the object was last used, and the headers S3 hands back with it.
 */
@ApplicationScoped
public class GitlabCacheIndex {
  private static final String COLUMNS = "bucket, object_name, project, size_bytes, content_type, metadata,"
      + " modified_at, last_used_at";

  /** One object's row. {@code metadata} is the JSON object of its x-amz-meta-* headers (names without prefix). */
  public record Entry(String bucket, String objectName, String project, long sizeBytes, String contentType,
      String metadata, Instant modifiedAt, Instant lastUsedAt) {
  }

  /** A project's use of the cache. */
  public record Stats(String bucket, String project, long hits, long misses, long bytesUploaded,
      long bytesDownloaded) {
  }

  private final Sql sql;

  public GitlabCacheIndex(DataSource db) {
    this.sql = new Sql(db, "GitLab cache index");
  }

  /** Records an upload: the row of a new object, or the replaced object's row, now used. */
  public void stored(Entry e) {
    sql.updateElseInsert("UPDATE gitlab_cache_objects SET project = ?, size_bytes = ?, content_type = ?, metadata = ?,"
        + " modified_at = ?, last_used_at = ? WHERE bucket = ? AND object_name = ?", ps -> {
          ps.setString(1, e.project());
          ps.setLong(2, e.sizeBytes());
          ps.setString(3, e.contentType());
          ps.setString(4, e.metadata());
          ps.setTimestamp(5, Timestamp.from(e.modifiedAt()));
          ps.setTimestamp(6, Timestamp.from(e.lastUsedAt()));
          ps.setString(7, e.bucket());
          ps.setString(8, e.objectName());
        }, "INSERT INTO gitlab_cache_objects (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
          ps.setString(1, e.bucket());
          ps.setString(2, e.objectName());
          ps.setString(3, e.project());
          ps.setLong(4, e.sizeBytes());
          ps.setString(5, e.contentType());
          ps.setString(6, e.metadata());
          ps.setTimestamp(7, Timestamp.from(e.modifiedAt()));
          ps.setTimestamp(8, Timestamp.from(e.lastUsedAt()));
        });
  }

  public Optional<Entry> get(String bucket, String objectName) {
    return query("WHERE bucket = ? AND object_name = ?", ps -> {
      ps.setString(1, bucket);
      ps.setString(2, objectName);
    }).stream().findFirst();
  }

  /** Marks a download; false when the object has no row (a file that came without one). */
  public boolean touch(String bucket, String objectName, Instant when) {
    return sql.update("UPDATE gitlab_cache_objects SET last_used_at = ? WHERE bucket = ? AND object_name = ?", ps -> {
      ps.setTimestamp(1, Timestamp.from(when));
      ps.setString(2, bucket);
      ps.setString(3, objectName);
    }) > 0;
  }

  public boolean delete(String bucket, String objectName) {
    return sql.update("DELETE FROM gitlab_cache_objects WHERE bucket = ? AND object_name = ?", ps -> {
      ps.setString(1, bucket);
      ps.setString(2, objectName);
    }) > 0;
  }

  /** The project's objects, least recently used first. */
  public List<Entry> leastRecentlyUsed(String bucket, String project) {
    return query("WHERE bucket = ? AND project = ? ORDER BY last_used_at, modified_at, object_name", ps -> {
      ps.setString(1, bucket);
      ps.setString(2, project);
    });
  }

  public List<Entry> unusedSince(String bucket, Instant before) {
    return query("WHERE bucket = ? AND last_used_at < ?", ps -> {
      ps.setString(1, bucket);
      ps.setTimestamp(2, Timestamp.from(before));
    });
  }

  public List<Entry> all(String bucket) {
    return query("WHERE bucket = ?", ps -> ps.setString(1, bucket));
  }

  /** Bytes the project's objects take. */
  public long size(String bucket, String project) {
    long[] total = {0};
    sql.query("SELECT COALESCE(SUM(size_bytes), 0) FROM gitlab_cache_objects WHERE bucket = ? AND project = ?", ps -> {
      ps.setString(1, bucket);
      ps.setString(2, project);
    }, rs -> total[0] = rs.getLong(1));
    return total[0];
  }

  public List<String> projects(String bucket) {
    List<String> out = new ArrayList<>();
    sql.query("SELECT DISTINCT project FROM gitlab_cache_objects WHERE bucket = ?", ps -> ps.setString(1, bucket),
        rs -> out.add(rs.getString(1)));
    return out;
  }

  // ------------------------------------------------------------------------------------------- stats

  /** Adds to the project's counters (a row is made on first use). */
  public void count(String bucket, String project, int hits, int misses, long uploaded, long downloaded) {
    sql.updateElseInsert("UPDATE gitlab_cache_stats SET hits = hits + ?, misses = misses + ?,"
        + " bytes_uploaded = bytes_uploaded + ?, bytes_downloaded = bytes_downloaded + ? WHERE bucket = ? AND project = ?",
        ps -> {
          ps.setInt(1, hits);
          ps.setInt(2, misses);
          ps.setLong(3, uploaded);
          ps.setLong(4, downloaded);
          ps.setString(5, bucket);
          ps.setString(6, project);
        }, "INSERT INTO gitlab_cache_stats (bucket, project, hits, misses, bytes_uploaded, bytes_downloaded)"
        + " VALUES (?, ?, ?, ?, ?, ?)", ps -> {
          ps.setString(1, bucket);
          ps.setString(2, project);
          ps.setInt(3, hits);
          ps.setInt(4, misses);
          ps.setLong(5, uploaded);
          ps.setLong(6, downloaded);
        });
  }

  public Optional<Stats> stats(String bucket, String project) {
    List<Stats> out = new ArrayList<>();
    sql.query("SELECT bucket, project, hits, misses, bytes_uploaded, bytes_downloaded FROM gitlab_cache_stats"
        + " WHERE bucket = ? AND project = ?", ps -> {
          ps.setString(1, bucket);
          ps.setString(2, project);
        }, rs -> out.add(new Stats(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
            rs.getLong(6))));
    return out.stream().findFirst();
  }

  public List<Stats> allStats(String bucket) {
    List<Stats> out = new ArrayList<>();
    sql.query("SELECT bucket, project, hits, misses, bytes_uploaded, bytes_downloaded FROM gitlab_cache_stats"
        + " WHERE bucket = ? ORDER BY project", ps -> ps.setString(1, bucket),
        rs -> out.add(new Stats(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
            rs.getLong(6))));
    return out;
  }

  private List<Entry> query(String where, Sql.Binder binder) {
    List<Entry> out = new ArrayList<>();
    sql.query("SELECT " + COLUMNS + " FROM gitlab_cache_objects " + where, binder, rs -> out.add(new Entry(
        rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
        rs.getTimestamp(7).toInstant(), rs.getTimestamp(8).toInstant())));
    return out;
  }
}
