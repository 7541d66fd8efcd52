package dev.cde.cli.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The restore side's writers: small files are written by a few threads while the reading thread decompresses
 * and parses on. Per file that is open, write, close and a time stamp, which one thread would do one after the
 * other (tar does). Content waits in {@link #SLABS} {@link Slabs} (32 MiB). The first failure is rethrown to the
 * reading thread. A path seen again waits for its earlier write (a tar may hold a name twice; the last one wins,
 * as with tar).
 */
final class ParallelWriter implements AutoCloseable {
  private static final int SLABS = 8;
  private final ExecutorService pool = Executors.newFixedThreadPool(
      Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors())), r -> {
        Thread t = new Thread(r, "cde-cache-writer");
        t.setDaemon(true);
        return t;
      });
  private final Slabs slabs = new Slabs(SLABS);
  private final Map<Path, Future<?>> pending = new ConcurrentHashMap<>();
  private volatile IOException failed;
  /**
   * Whether {@link #failed} reached the reading thread already: close() must not throw the same exception again,
   * or try-with-resources adds it to itself as suppressed, which throws IllegalArgumentException instead (found by
   * CacheArchiveFuzzTest: a file entry where a directory is, and so a full disk, ended restore with that).
   */
  private boolean reported;

  /** Room for {@code length} (at most {@link Slabs#SLAB}) bytes of content, to fill and then {@link #submit}. */
  Slabs.Slice reserve(int length) throws IOException {
    check();
    return slabs.reserve(length, this::check);
  }

  /** Writes the reserved and filled {@code content} to {@code target} on a writer thread. */
  void submit(Path target, Slabs.Slice content, int mode, FileTime mtime) throws IOException {
    try {
      check();
      awaitPath(target);
    } catch (IOException e) {
      content.release();
      throw e;
    }
    pending.put(target, pool.submit(() -> {
      try {
        CacheArchive.writeFile(target, content.bytes(), content.offset(), content.length(), mode, mtime);
      } catch (IOException ex) {
        failed = ex;
      } finally {
        content.release();
        pending.remove(target);
      }
    }));
  }

  /** Waits until no writer is busy with {@code target}. */
  void awaitPath(Path target) throws IOException {
    Future<?> f = pending.get(target);
    if (f != null) {
      try {
        f.get();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing " + target);
      } catch (ExecutionException ex) {
        throw new IOException("writing " + target + " failed: " + ex.getCause(), ex);
      }
    }
    check();
  }

  private void check() throws IOException {
    if (failed != null && !reported) {
      reported = true;
      throw failed;
    }
  }

  /** Waits for every write; rethrows the first failure. */
  @Override
  public void close() throws IOException {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(1, TimeUnit.HOURS)) {
        throw new IOException("writing the restored files did not finish");
      }
    } catch (InterruptedException ex) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing the restored files");
    }
    check();
  }
}
