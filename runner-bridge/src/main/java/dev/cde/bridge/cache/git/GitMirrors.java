package dev.cde.bridge.cache.git;

import dev.cde.bridge.cache.CacheRoot;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.jboss.logging.Logger;

/**
 * Keeps one bare mirror per repository under {@code <cde.cache.root>/git}. Instances read them while a refresh
 * writes: git's own layout makes that safe (a fetch writes a new pack under a temporary name, renames it into place
 * index last, and only then moves refs; a reader sees the old refs with the old packs or the new ones with both),
 * and a first clone is built beside the mirror and renamed into place, so no reader sees half a mirror.
 */
@ApplicationScoped
public class GitMirrors {
  private static final Logger LOG = Logger.getLogger(GitMirrors.class);
  /** Branches and tags only: refs/pull/* and refs/merge-requests/* would grow a mirror without end. */
  static final List<RefSpec> MIRROR_REFSPECS = List.of(new RefSpec("+refs/heads/*:refs/heads/*"),
      new RefSpec("+refs/tags/*:refs/tags/*"));

  private final CacheRoot root;
  private final GitMirrorConfig config;
  /** One refresh per mirror in this bridge; the file lock below covers other bridges on the same NAS. */
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cde-git-mirror-worker");
    t.setDaemon(true);
    return t;
  });

  public GitMirrors(CacheRoot root, GitMirrorConfig config) {
    this.root = root;
    this.config = config;
  }

  /** What a refresh did: the mirror's path relative to the NAS root, whether it was new, and how long it took. */
  public record Refreshed(String relative, boolean cloned, Duration took) {}

  public boolean enabled() {
    return config.enabled();
  }

  public Duration jobWait() {
    return config.jobWait();
  }

  /** The mirror's directory for a URL (which may carry credentials: they are not part of the path). */
  public Path mirrorDir(String url) {
    return root.root().resolve(MirrorPath.of(url).relative());
  }

  /** Refreshes on a worker thread; the future fails with the refresh's exception. */
  public CompletableFuture<Refreshed> refreshAsync(String url, String user, String password) {
    return CompletableFuture.supplyAsync(() -> refresh(url, user, password), workers);
  }

  /**
   * Clones the repository bare (first time) or fetches into its mirror. Credentials come either in the URL's user
   * info (GitLab's {@code CI_REPOSITORY_URL}) or as {@code user}/{@code password}; they go to jgit's credentials
   * provider only, never into the mirror's config, a log line or an exception message.
   *
   * @throws GitMirrorException when git fails; its message names the URL without credentials
   */
  public Refreshed refresh(String url, String user, String password) {
    MirrorPath path = MirrorPath.of(url);
    URIish uri;
    try {
      uri = new URIish(url);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a git URL"); // MirrorPath.of has already parsed it
    }
    String u = user != null ? user : uri.getUser();
    String p = password != null ? password : uri.getPass();
    CredentialsProvider credentials = u == null && p == null ? null
        : new UsernamePasswordCredentialsProvider(u == null ? "" : u, p == null ? "" : p);
    Path dir = root.root().resolve(path.relative()).normalize();
    if (!dir.startsWith(root.dir("git"))) { // MirrorPath already refuses '..'; this is the belt to its braces
      throw new IllegalArgumentException("mirror path escapes the cache: " + path.relative());
    }
    ReentrantLock lock = locks.computeIfAbsent(path.relative(), k -> new ReentrantLock());
    long started = System.nanoTime();
    lock.lock();
    try {
      Files.createDirectories(dir.getParent());
      try (FileChannel ch = FileChannel.open(dir.resolveSibling(dir.getFileName() + ".lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
        boolean cloned = !Files.isDirectory(dir.resolve("objects"));
        if (cloned) {
          cloneInto(dir, path.url(), credentials);
        } else {
          fetch(dir, path.url(), credentials);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        LOG.infof("git mirror %s: %s from %s in %d ms", path.relative(), cloned ? "cloned" : "fetched", path.url(),
            took.toMillis());
        return new Refreshed(path.relative(), cloned, took);
      }
    } catch (IOException e) {
      throw new GitMirrorException("git mirror " + path.relative() + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** A bare repository beside the mirror, fetched into, then renamed: readers see no mirror or a whole one. */
  private void cloneInto(Path dir, String url, CredentialsProvider credentials) throws IOException {
    Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      try (Git git = Git.init().setBare(true).setDirectory(tmp.toFile()).call()) {
        StoredConfig c = git.getRepository().getConfig();
        // no reflogs: a mirror's history is its forge's, and reflogs would keep unreachable objects alive
        c.setBoolean("core", null, "logAllRefUpdates", false);
        // no auto gc after fetches: jgit would run it on a background thread that races the rename below, and a
        // gc deletes packs an instance may be reading through its alternates; packs are merged by a sweep instead
        c.setInt("gc", null, "auto", 0);
        // jgit still opens gc.log after every fetch, on a detached thread unless told otherwise
        c.setBoolean("gc", null, "autoDetach", false);
        c.save();
      }
      fetch(tmp, url, credentials);
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir);
      }
    } catch (GitAPIException e) {
      throw new GitMirrorException("git mirror of " + url + ": " + e.getMessage(), e);
    } finally {
      if (Files.exists(tmp)) {
        deleteTree(tmp);
      }
    }
  }

  /**
   * The URL goes into the mirror's config without credentials (so {@code git fetch} by hand works, and a reader of
   * the NAS learns nothing secret); the refspecs are given on each fetch so a hand-edited config cannot change them.
   */
  private void fetch(Path dir, String url, CredentialsProvider credentials) {
    try (Git git = Git.open(dir.toFile())) {
      StoredConfig c = git.getRepository().getConfig();
      c.setString("remote", "origin", "url", url);
      c.setStringList("remote", "origin", "fetch", MIRROR_REFSPECS.stream().map(RefSpec::toString).toList());
      c.save();
      git.fetch().setRemote("origin").setRefSpecs(MIRROR_REFSPECS).setRemoveDeletedRefs(true)
          .setCredentialsProvider(credentials)
          .setTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, config.refreshTimeout().toSeconds()))).call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      // jgit's messages name the URL it was given, which is the clean one
      throw new GitMirrorException("git mirror of " + url + ": " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path p) {
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      LOG.warnf("git mirror: cannot remove %s: %s", p, e.getMessage());
    }
  }

  @jakarta.annotation.PreDestroy
  void shutdown() {
    workers.shutdownNow();
  }
}
