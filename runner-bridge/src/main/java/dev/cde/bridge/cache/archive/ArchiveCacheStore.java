package dev.cde.bridge.cache.archive;

import dev.cde.bridge.cache.CacheRoot;
import dev.cde.bridge.metrics.BridgeMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Keyed archives on the NAS with actions/cache semantics. Layout under {@code <nas>/archives}: {@code tmp/} holds
 * uploads in progress, {@code entries/<repository>/<id>.tar.zst} the published archives. Publishing is a rename
 * into {@code entries/} followed by the index row, so a reader (who looks up the row first) never sees a partial
 * file, and the index's unique key makes the first writer of a key its only writer.
 */
@ApplicationScoped
public class ArchiveCacheStore {
  private static final Logger LOG = Logger.getLogger(ArchiveCacheStore.class);
  /** Versions of {@code cde cache save}'s own archives start so; their content is confined on publish. */
  public static final String CDE_VERSION_PREFIX = "cde-";
  private static final long GIB = 1L << 30;

  private final ArchiveIndex index;
  private final Path base;
  private final Path tmp;
  private final long quotaBytes;
  private final ArchivesConfig config;
  private final BridgeMetrics metrics;
  private final Path nasRoot;

  public ArchiveCacheStore(ArchiveIndex index, CacheRoot root, ArchivesConfig config, BridgeMetrics metrics) {
    this.metrics = metrics;
    this.index = index;
    this.config = config;
    this.base = root.dir("archives");
    this.nasRoot = root.root();
    this.tmp = mkdirs(base.resolve("tmp"));
    this.quotaBytes = parseSize(config.quota());
  }

  /** What a lookup found: the entry, and whether its key is the exact one asked for (else a restore key's). */
  public record Match(ArchiveEntry entry, boolean exact) {
  }

  /** How a publish went. */
  public enum Outcome { PUBLISHED, ALREADY_EXISTS }

  public record Published(Outcome outcome, ArchiveEntry entry) {
  }

  /** A fresh temp file for an upload, on the NAS itself so that publishing it is a rename. */
  public Path newUpload() {
    try {
      return Files.createFile(tmp.resolve(UUID.randomUUID() + ".part"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create an upload file in " + tmp, e);
    }
  }

  /** A fresh temp directory (for an upload that arrives in blocks). */
  public Path newUploadDir() {
    try {
      return Files.createDirectory(tmp.resolve(UUID.randomUUID() + ".blocks"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create an upload directory in " + tmp, e);
    }
  }

  /**
   * Exact key first, then each restore key as a prefix in order (newest match wins), in the scope's own ref
   * before its default branch's. Counts the outcome for the session, and marks a match as used (LRU).
   */
  public Optional<Match> lookup(CacheScope scope, String key, List<String> restoreKeys, String version,
      String sessionId) {
    Optional<Match> match = find(scope, key, restoreKeys, version);
    if (match.isPresent()) {
      index.touch(match.get().entry().id(), Instant.now());
      index.count(sessionId, match.get().exact() ? 1 : 0, match.get().exact() ? 0 : 1, 0, 0, 0);
      metrics.cacheLookup(BridgeMetrics.ARCHIVE_CACHE, match.get().exact() ? "hit" : "partial");
    } else {
      index.count(sessionId, 0, 0, 1, 0, 0);
      metrics.cacheLookup(BridgeMetrics.ARCHIVE_CACHE, "miss");
    }
    return match;
  }

  private Optional<Match> find(CacheScope scope, String key, List<String> restoreKeys, String version) {
    for (String ref : scope.readRefs()) {
      Optional<ArchiveEntry> exact = index.exact(scope.repository(), ref, key, version);
      if (exact.isPresent()) {
        return Optional.of(new Match(exact.get(), true));
      }
      for (String prefix : restoreKeys) {
        Optional<ArchiveEntry> e = index.newestWithPrefix(scope.repository(), ref, prefix, version);
        if (e.isPresent()) {
          return Optional.of(new Match(e.get(), e.get().key().equals(key)));
        }
      }
    }
    return Optional.empty();
  }

  /** Whether the scope's own ref already has this key (the writer would be told so before uploading). */
  public boolean exists(CacheScope scope, String key, String version) {
    return index.exact(scope.repository(), scope.ref(), key, version).isPresent();
  }

  /**
   * Publishes an uploaded file as the scope's entry for (key, version), unless a first writer did already;
   * the upload is consumed either way. Reads the archive through first.
   *
   * @throws ArchiveInspector.CorruptArchiveException when it does not read to its end
   * @throws ArchiveInspector.UnsafeArchiveException  when a {@code cde cache} archive names paths outside
   */
  public Published publish(CacheScope scope, String key, String version, Path upload, String sessionId)
      throws IOException {
    return publish(scope, key, version, upload, sessionId, null);
  }

  /**
   * As {@link #publish(CacheScope, String, String, Path, String)}, taking the verdict of an inspection that read
   * the archive while it was received, when that one read exactly this file (else the file is read through).
   */
  public Published publish(CacheScope scope, String key, String version, Path upload, String sessionId,
      StreamInspection inspected) throws IOException {
    try {
      Optional<ArchiveEntry> existing = index.exact(scope.repository(), scope.ref(), key, version);
      if (existing.isPresent()) {
        return new Published(Outcome.ALREADY_EXISTS, existing.get());
      }
      boolean confine = version.startsWith(CDE_VERSION_PREFIX);
      long size = Files.size(upload);
      if (inspected == null || inspected.verdict(size, confine).isEmpty()) {
        ArchiveInspector.inspect(upload, confine);
      }
      String id = UUID.randomUUID().toString();
      String fileName = repositoryDir(scope.repository()) + "/" + id + ".tar.zst";
      Path target = mkdirs(base.resolve("entries").resolve(repositoryDir(scope.repository()))).resolve(id + ".tar.zst");
      move(upload, target);
      Instant now = Instant.now();
      ArchiveEntry entry = new ArchiveEntry(id, scope.repository(), scope.ref(), key, version, fileName, size, now, now);
      if (!index.insert(entry)) {
        Files.deleteIfExists(target);
        return new Published(Outcome.ALREADY_EXISTS,
            index.exact(scope.repository(), scope.ref(), key, version).orElse(entry));
      }
      index.count(sessionId, 0, 0, 0, 0, size);
      metrics.cacheBytes(BridgeMetrics.ARCHIVE_CACHE, "saved", size);
      LOG.infof("cache: session %s saved %s key %s (%d bytes) in %s", sessionId, scope.repository(), key, size,
          scope.ref());
      evictOverQuota(scope.repository());
      return new Published(Outcome.PUBLISHED, entry);
    } finally {
      Files.deleteIfExists(upload);
    }
  }

  /** What reading a reported entry again found. */
  public enum Recheck { REMOVED, WHOLE, NOT_FOUND }

  /** An entry found whole on a report is not read again for a report within this long. */
  static final Duration RECHECK_AFTER = Duration.ofMinutes(10);
  private final Map<String, Instant> recentlyWhole = new ConcurrentHashMap<>();

  /**
   * A client found the entry of {@code key} and {@code version} in {@code scope} damaged ({@code cde cache
   * restore}, when it does not read to its end): read it through again, as publishing does, and remove it when it
   * indeed does not, so that its (immutable) key is free for the next save instead of failing every restore until
   * it ages out. The report alone removes nothing; nor does it count as a use.
   */
  public Recheck recheck(CacheScope scope, String key, String version, String sessionId) throws IOException {
    Optional<Match> m = find(scope, key, List.of(), version);
    if (m.isEmpty()) {
      return Recheck.NOT_FOUND;
    }
    ArchiveEntry e = m.get().entry();
    Instant now = Instant.now();
    Instant checked = recentlyWhole.get(e.id());
    if (checked != null && checked.isAfter(now.minus(RECHECK_AFTER))) {
      return Recheck.WHOLE; // reports in a loop do not make the bridge read an archive again and again
    }
    try {
      ArchiveInspector.inspect(file(e), version.startsWith(CDE_VERSION_PREFIX));
      LOG.infof("cache: session %s reported %s key %s damaged; it reads whole here, kept", sessionId,
          e.repository(), e.key());
      if (recentlyWhole.size() > 10_000) {
        recentlyWhole.values().removeIf(t -> t.isBefore(now.minus(RECHECK_AFTER)));
      }
      recentlyWhole.put(e.id(), now);
      return Recheck.WHOLE;
    } catch (ArchiveInspector.CorruptArchiveException | ArchiveInspector.UnsafeArchiveException ex) {
      return remove(e, "damaged (reported by session " + sessionId + "): " + ex.getMessage()) ? Recheck.REMOVED
          : Recheck.NOT_FOUND;
    }
  }

  /** The published archive's file. */
  public Path file(ArchiveEntry entry) {
    return base.resolve("entries").resolve(entry.fileName());
  }

  /**
   * The archive's file relative to the NAS root: where an instance, which mounts the NAS read-only, reads it
   * itself instead of through the bridge (docs/caching.md, "Reading from the mount").
   */
  public String nasPath(ArchiveEntry entry) {
    return nasRoot.relativize(file(entry)).toString();
  }

  public Optional<ArchiveEntry> entry(String id) {
    return index.byId(id);
  }

  /** Counts bytes a session restored. */
  public void restored(String sessionId, long bytes) {
    index.count(sessionId, 0, 0, 0, bytes, 0);
    metrics.cacheBytes(BridgeMetrics.ARCHIVE_CACHE, "restored", bytes);
  }

  public Optional<CacheStats> stats(String sessionId) {
    return index.stats(sessionId);
  }

  /** Removes the repository's least recently used entries until it fits its quota. */
  public void evictOverQuota(String repository) {
    long total = index.sizes().getOrDefault(repository, 0L);
    if (total <= quotaBytes) {
      return;
    }
    for (ArchiveEntry e : index.leastRecentlyUsed(repository)) {
      if (total <= quotaBytes) {
        break;
      }
      if (remove(e, "over the quota of " + config.quota())) {
        total -= e.sizeBytes();
      }
    }
  }

  /** Eviction by age and quota, and removal of abandoned uploads and of entry files no row names. */
  public void sweep() {
    for (ArchiveEntry e : index.unusedSince(Instant.now().minus(config.maxAge()))) {
      remove(e, "unused for " + config.maxAge());
    }
    index.sizes().keySet().forEach(this::evictOverQuota);
    Instant abandoned = Instant.now().minus(config.abandonedUploadAfter());
    deleteOlderThan(tmp, abandoned, p -> true);
    // A crash between the rename and the row leaves a file nobody can find; an hour is far longer than that gap.
    deleteOlderThan(base.resolve("entries"), Instant.now().minusSeconds(3600),
        p -> !index.knowsFile(base.resolve("entries").relativize(p).toString().replace('\\', '/')));
  }

  /** Row first, then the file: a reader holding the file open keeps reading it (POSIX, and NFS's silly rename). */
  private boolean remove(ArchiveEntry e, String why) {
    if (!index.delete(e.id())) {
      return false;
    }
    try {
      Files.deleteIfExists(file(e));
    } catch (IOException ex) {
      LOG.warnf("cache: cannot delete %s: %s", file(e), ex.getMessage());
    }
    LOG.infof("cache: evicted %s key %s in %s (%d bytes): %s", e.repository(), e.key(), e.ref(), e.sizeBytes(), why);
    return true;
  }

  private void deleteOlderThan(Path dir, Instant before, java.util.function.Predicate<Path> also) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      // Deepest first, so a block directory is empty by the time it is reached.
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (p.equals(dir)) {
          continue;
        }
        try {
          if (Files.isDirectory(p)) {
            if (p.toString().endsWith(".blocks") && Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
              try (Stream<Path> left = Files.list(p)) {
                if (left.findAny().isEmpty()) {
                  Files.deleteIfExists(p);
                }
              }
            }
          } else if (Files.getLastModifiedTime(p).toInstant().isBefore(before) && also.test(p)) {
            Files.deleteIfExists(p);
          }
        } catch (IOException e) {
          LOG.debugf("cache: sweep skipped %s: %s", p, e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warnf("cache: cannot sweep %s: %s", dir, e.getMessage());
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      // tmp/ and entries/ share a file system by construction; this is for odd NAS mounts, still safe because
      // readers trust the row, which is inserted after the move.
      Files.move(from, to);
    }
  }

  /** {@code owner/name} as one directory name that cannot climb out of {@code entries/}. */
  static String repositoryDir(String repository) {
    String safe = repository.replaceAll("[^A-Za-z0-9._-]", "_");
    return safe.startsWith(".") ? "_" + safe : safe;
  }

  /** {@code 10g}, {@code 512m}, {@code 1t}, or bytes. */
  public static long parseSize(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    long unit = 1;
    char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
    switch (last) {
      case 'k' -> unit = 1L << 10;
      case 'm' -> unit = 1L << 20;
      case 'g' -> unit = GIB;
      case 't' -> unit = GIB << 10;
      default -> { }
    }
    try {
      return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1).strip()) * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a size: " + text + " (use 10g, 512m, or bytes)");
    }
  }

  private static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }
}
