package dev.cde.bridge.cache.gitlab;

import dev.cde.bridge.cache.CacheRoot;
import dev.cde.bridge.metrics.BridgeMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * GitLab cache objects on the NAS: {@code <nas>/gitlab/<bucket>/<object name>}, the layout an S3 bucket shows, so
 * an operator finds a project's caches under {@code .../project/<id>/}. Uploads are written to
 * {@code <nas>/gitlab/.tmp/} and renamed over the object: a reader sees the old object or the new one, never
 * part of one, and the last upload wins, which is what GitLab expects of its cache bucket (it overwrites
 * {@code cache.zip} at every {@code archive_cache}). Eviction is LRU per GitLab project under a quota, plus an age
 * limit.
 */
@ApplicationScoped
public class GitlabCacheStore {
  private static final Logger LOG = Logger.getLogger(GitlabCacheStore.class);

  private final GitlabCacheIndex index;
  private final GitlabCacheConfig config;
  private final BridgeMetrics metrics;
  private final String bucket;
  private final Path base;
  private final Path tmp;
  private final Path objects;

  public GitlabCacheStore(GitlabCacheIndex index, CacheRoot root, GitlabCacheConfig config, BridgeMetrics metrics) {
    this.metrics = metrics;
    this.index = index;
    this.config = config;
    this.bucket = config.bucket();
    this.base = root.root().resolve("gitlab");
    this.tmp = base.resolve(".tmp");
    this.objects = base.resolve(bucket);
  }

  public String bucket() {
    return bucket;
  }

  /** What a download finds: the object's file and, when it has one, its row. */
  public record Found(Path file, Optional<GitlabCacheIndex.Entry> entry) {
  }

  /** A fresh temp file for an upload, on the NAS itself so that publishing it is a rename. */
  public Path newUpload() throws IOException {
    return Files.createFile(Files.createDirectories(tmp).resolve(UUID.randomUUID() + ".part"));
  }

  /** The object's file; the name was checked by {@link CacheObjectName}, this is the second lock on the door. */
  Path file(CacheObjectName name) {
    Path f = objects.resolve(name.name()).normalize();
    if (!f.startsWith(objects) || f.equals(objects)) {
      throw new IllegalArgumentException("object name outside the bucket: " + name.name());
    }
    return f;
  }

  /**
   * Makes the upload the object (replacing any earlier one), records it and evicts the project's least recently
   * used objects if it is over its quota. The upload is consumed either way.
   */
  public GitlabCacheIndex.Entry publish(CacheObjectName name, Path upload, String contentType, String metadata)
      throws IOException, S3Error {
    try {
      Path target = file(name);
      long size = Files.size(upload);
      try {
        Files.createDirectories(target.getParent());
      } catch (FileAlreadyExistsException e) {
        throw collision(name);
      }
      if (Files.isDirectory(target)) {
        throw collision(name);
      }
      move(upload, target);
      Instant now = Instant.now();
      GitlabCacheIndex.Entry entry = new GitlabCacheIndex.Entry(bucket, name.name(), name.project(), size,
          contentType, metadata, Files.getLastModifiedTime(target).toInstant(), now);
      index.stored(entry);
      index.count(bucket, name.project(), 0, 0, size, 0);
      metrics.cacheBytes(BridgeMetrics.GITLAB_CACHE, "saved", size);
      LOG.infof("gitlab cache: project %s stored %s (%d bytes)", name.project(), name.name(), size);
      evictOverQuota(name.project());
      return entry;
    } finally {
      Files.deleteIfExists(upload);
    }
  }

  /** The object to download, if its file is there. */
  public Optional<Found> find(CacheObjectName name) {
    Path f = file(name);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    return Optional.of(new Found(f, index.get(bucket, name.name())));
  }

  /** Counts a download that found its object, and marks the object used (LRU). */
  public void downloaded(CacheObjectName name, long bytes, boolean hit) {
    if (!index.touch(bucket, name.name(), Instant.now())) {
      adopt(file(name));
    }
    index.count(bucket, name.project(), hit ? 1 : 0, 0, 0, bytes);
    if (hit) {
      metrics.cacheLookup(BridgeMetrics.GITLAB_CACHE, "hit");
    }
    metrics.cacheBytes(BridgeMetrics.GITLAB_CACHE, "restored", bytes);
  }

  /** Counts a download that found nothing. */
  public void missed(CacheObjectName name) {
    index.count(bucket, name.project(), 0, 1, 0, 0);
    metrics.cacheLookup(BridgeMetrics.GITLAB_CACHE, "miss");
  }

  public Optional<GitlabCacheIndex.Stats> stats(String project) {
    return index.stats(bucket, project);
  }

  public List<GitlabCacheIndex.Stats> stats() {
    return index.allStats(bucket);
  }

  /** Removes the project's least recently used objects until it fits its quota. */
  public void evictOverQuota(String project) {
    long quota = config.projectQuota().asLongValue();
    long total = index.size(bucket, project);
    if (total <= quota) {
      return;
    }
    for (GitlabCacheIndex.Entry e : index.leastRecentlyUsed(bucket, project)) {
      if (total <= quota) {
        break;
      }
      if (remove(e, "over the project quota of " + config.projectQuota().asLongValue() + " bytes")) {
        total -= e.sizeBytes();
      }
    }
  }

  /**
   * Eviction by age and quota; rows whose file is gone are dropped, files without a row (a crash between the
   * rename and the row, or objects copied in by hand) are adopted; abandoned uploads are removed.
   */
  public void sweep() {
    for (GitlabCacheIndex.Entry e : index.unusedSince(bucket, Instant.now().minus(config.maxAge()))) {
      remove(e, "unused for " + config.maxAge());
    }
    for (GitlabCacheIndex.Entry e : index.all(bucket)) {
      if (!Files.isRegularFile(objects.resolve(e.objectName()))) {
        index.delete(bucket, e.objectName());
      }
    }
    if (Files.isDirectory(objects)) {
      try (Stream<Path> all = Files.walk(objects)) {
        all.filter(Files::isRegularFile)
            .filter(p -> index.get(bucket, objects.relativize(p).toString()).isEmpty())
            .forEach(this::adopt);
      } catch (IOException | UncheckedIOException e) {
        LOG.warnf("gitlab cache: cannot walk %s: %s", objects, e.getMessage());
      }
    }
    index.projects(bucket).forEach(this::evictOverQuota);
    sweepUploads(Instant.now().minus(config.abandonedUploadAfter()));
  }

  private void sweepUploads(Instant before) {
    if (!Files.isDirectory(tmp)) {
      return;
    }
    try (Stream<Path> parts = Files.list(tmp)) {
      for (Path p : parts.toList()) {
        try {
          if (Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
            Files.deleteIfExists(p);
            LOG.infof("gitlab cache: removed an abandoned upload %s", p.getFileName());
          }
        } catch (IOException e) {
          LOG.debugf("gitlab cache: sweep skipped %s: %s", p, e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warnf("gitlab cache: cannot sweep %s: %s", tmp, e.getMessage());
    }
  }

  /** Gives a file that has no row one, used as of its modification; a file whose name is not an object stays. */
  private void adopt(Path file) {
    try {
      CacheObjectName name = CacheObjectName.parse(objects.relativize(file).toString());
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      Instant modified = a.lastModifiedTime().toInstant();
      index.stored(new GitlabCacheIndex.Entry(bucket, name.name(), name.project(), a.size(), null, null, modified,
          modified));
    } catch (S3Error | IOException e) {
      LOG.debugf("gitlab cache: %s is not a cache object: %s", file, e.getMessage());
    }
  }

  /** Row first, then the file: a download that already opened the file reads it to its end (POSIX, NFS). */
  private boolean remove(GitlabCacheIndex.Entry e, String why) {
    if (!index.delete(bucket, e.objectName())) {
      return false;
    }
    try {
      Files.deleteIfExists(objects.resolve(e.objectName()));
    } catch (DirectoryNotEmptyException ex) {
      return true; // a directory now stands where the object was; nothing of the object is left
    } catch (IOException ex) {
      LOG.warnf("gitlab cache: cannot delete %s: %s", e.objectName(), ex.getMessage());
    }
    LOG.infof("gitlab cache: evicted project %s's %s (%d bytes): %s", e.project(), e.objectName(), e.sizeBytes(), why);
    return true;
  }

  private static S3Error collision(CacheObjectName name) {
    return S3Error.invalidArgument("the object name " + name.name() + " collides with another object's path on the"
        + " NAS (one is a prefix of the other)");
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      // .tmp and the bucket share a file system by construction; this is for odd NAS mounts
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
