package dev.cde.cli.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The save side's pipeline: the walking thread lists entries and has small files read on a few threads, while the
 * calling thread writes earlier entries into the tar, in walk order ({@link #writeAll}). Per file that is a stat,
 * an open, a read and a close, which one thread would do between two entries (tar does), and the time zstd's
 * workers would wait. At most {@link #SLABS} {@link Slabs} (32 MiB) of content and {@link #AHEAD_FILES} entries
 * wait; larger files are streamed by the writing thread when their turn comes, so memory stays bounded whatever
 * the tree.
 */
final class ReadAhead implements AutoCloseable {
  /** Files up to this size are read whole ahead of their turn; a dependency cache is nearly all such files. */
  static final int SMALL_FILE = 1 << 20;
  private static final int SLABS = 8;
  private static final int AHEAD_FILES = 1024;
  private static final Pending END = new Pending('E', null, 0, 0, null, null, 0, null, null);

  private final TarWriter tar;
  private final ExecutorService readers = Executors.newFixedThreadPool(
      Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())), r -> {
        Thread t = new Thread(r, "cde-cache-reader");
        t.setDaemon(true);
        return t;
      });
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(AHEAD_FILES);
  private final Slabs slabs = new Slabs(SLABS);
  private volatile Throwable walkFailed;
  private volatile boolean writeFailed;

  /**
   * An entry waiting for its turn: a directory ({@code type} '5'), a symbolic link ('2', {@code link} its target)
   * or a file ('0') of {@code size} bytes when listed, its content read ahead or (a large one) not.
   */
  private record Pending(char type, String name, int mode, long mtime, String link, Path file, long size,
      Slabs.Slice slice, Future<Integer> read) {
  }

  ReadAhead(TarWriter tar) {
    this.tar = tar;
  }

  // The walking thread's side.

  void directory(String name, int mode, long mtime) throws IOException {
    put(new Pending('5', name, mode, mtime, null, null, 0, null, null));
  }

  void symlink(String name, String target, long mtime) throws IOException {
    put(new Pending('2', name, 0777, mtime, target, null, 0, null, null));
  }

  /** A regular file of {@code size} bytes (its size when it was listed). */
  void file(String name, int mode, long mtime, Path file, long size) throws IOException {
    if (size > SMALL_FILE) {
      put(new Pending('0', name, mode, mtime, null, file, size, null, null));
      return;
    }
    // All slabs in use means the writer is behind: it frees them as it writes, so this waits for it.
    Slabs.Slice slice = slabs.reserve((int) size, this::checkWriter);
    put(new Pending('0', name, mode, mtime, null, file, size, slice, readers.submit(() -> read(file, slice))));
  }

  /** The walk is over: after what was listed, the writer stops. */
  void end() throws IOException {
    put(END);
  }

  /** The walk failed: the writer stops and throws this. */
  void fail(Throwable e) {
    walkFailed = e;
    queue.clear();
    queue.offer(END);
  }

  private void put(Pending p) throws IOException {
    try {
      while (!queue.offer(p, 100, TimeUnit.MILLISECONDS)) {
        checkWriter();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while listing the paths");
    }
  }

  private void checkWriter() throws IOException {
    if (writeFailed) {
      throw new IOException("the archive's writer stopped");
    }
  }

  // The writing thread's side.

  /** Writes the entries as the walk lists them, to its end; returns the number of files written. */
  long writeAll() throws IOException {
    long files = 0;
    try {
      while (true) {
        Pending p;
        try {
          p = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while writing the archive");
        }
        if (p == END) {
          if (walkFailed != null) {
            throw walkFailed instanceof IOException io ? io : new IOException("listing the paths failed", walkFailed);
          }
          return files;
        }
        switch (p.type()) {
          case '5' -> tar.directory(p.name(), p.mode(), p.mtime());
          case '2' -> tar.symlink(p.name(), p.link(), p.mtime());
          default -> files += writeFile(p) ? 1 : 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      writeFailed = true;
      throw e;
    }
  }

  /** Reads at most the slice's length of {@code file} into it; returns how much there was. */
  private static int read(Path file, Slabs.Slice slice) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      ByteBuffer into = ByteBuffer.wrap(slice.bytes(), slice.offset(), slice.length());
      while (into.hasRemaining() && ch.read(into) >= 0) {
        // a file that grew since it was listed is saved at its listed size, as tar saves it
      }
      return into.position() - slice.offset();
    }
  }

  /** Writes one file's entry; false when the file was deleted since it was listed (left out, as tar does). */
  private boolean writeFile(Pending p) throws IOException {
    if (p.read() != null) {
      int length;
      try {
        length = p.read().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading " + p.file());
      } catch (ExecutionException e) {
        if (e.getCause() instanceof NoSuchFileException) {
          p.slice().release();
          return false;
        }
        throw e.getCause() instanceof IOException io ? io : new IOException("reading " + p.file() + " failed", e);
      }
      // The length read, not the size listed: a file that shrank in between is still a well-formed entry.
      tar.file(p.name(), p.mode(), p.mtime(), p.slice().bytes(), p.slice().offset(), length);
      p.slice().release();
    } else {
      try (InputStream in = Files.newInputStream(p.file())) {
        tar.file(p.name(), p.mode(), p.mtime(), p.size(), in);
      } catch (NoSuchFileException e) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    readers.shutdownNow();
  }
}
