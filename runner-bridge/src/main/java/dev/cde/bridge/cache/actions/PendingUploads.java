package dev.cde.bridge.cache.actions;

import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.cache.archive.StreamInspection;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Uploads between CreateCacheEntry and FinalizeCacheEntryUpload. The protocol names an upload by (key, version)
 * of the calling job only, so that is the key here, per session. Kept in memory: after a restart the client's
 * finalize fails, it warns, and the job goes on without saving (the temp file is swept).
 */
@ApplicationScoped
public class PendingUploads {
  /**
   * One upload: a single file (Put Blob), or blocks in a directory joined by the block list. {@code inspection}
   * holds the inspection of the latest Put Blob, which read the archive while it arrived.
   */
  public record Upload(String id, String sessionId, CacheScope scope, String key, String version, Path file,
      Path blocks, AtomicReference<StreamInspection> inspection) {
  }

  private final Map<String, Upload> byId = new ConcurrentHashMap<>();
  private final Map<String, String> byJobKey = new ConcurrentHashMap<>();

  Upload start(String sessionId, CacheScope scope, String key, String version, Path file, Path blocks) {
    Upload u = new Upload(UUID.randomUUID().toString(), sessionId, scope, key, version, file, blocks,
        new AtomicReference<>());
    byId.put(u.id(), u);
    String previous = byJobKey.put(jobKey(sessionId, key, version), u.id());
    if (previous != null) {
      byId.remove(previous); // the job asked again; its first upload is abandoned and swept
    }
    return u;
  }

  Optional<Upload> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Takes the job's upload of (key, version) out, so it is finalized once. */
  Optional<Upload> take(String sessionId, String key, String version) {
    String id = byJobKey.remove(jobKey(sessionId, key, version));
    return id == null ? Optional.empty() : Optional.ofNullable(byId.remove(id));
  }

  private static String jobKey(String sessionId, String key, String version) {
    return sessionId + '\n' + key + '\n' + version;
  }
}
