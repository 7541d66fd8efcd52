package dev.cde.cli.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The save side's read-ahead: small files are read on a few threads while the walking thread writes earlier
 * entries into the tar, in walk order. Per file that is open, read and close, which one thread would do
 * between two entries (tar does), and the time zstd's workers would wait. At most {@link #SLABS} {@link Slabs}
 * (32 MiB) of content and {@link #AHEAD_FILES} files wait; larger files are streamed by the writing thread when
 * their turn comes, so memory stays bounded whatever the tree.
 */
final class ReadAhead implements AutoCloseable {
  /** Files up to this size are read whole ahead of their turn; a dependency cache is nearly all such files. */
  static final int SMALL_FILE = 1 << 20;
  private static final int SLABS = 8;
  private static final int AHEAD_FILES = 512;

  private final TarWriter tar;
  private final ExecutorService readers = Executors.newFixedThreadPool(
      Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())), r -> {
        Thread t = new Thread(r, "cde-cache-reader");
        t.setDaemon(true);
        return t;
      });
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final Slabs slabs = new Slabs(SLABS);
  private long files;

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

  void directory(String name, int mode, long mtime) throws IOException {
    add(new Pending('5', name, mode, mtime, null, null, 0, null, null));
  }

  void symlink(String name, String target, long mtime) throws IOException {
    add(new Pending('2', name, 0777, mtime, target, null, 0, null, null));
  }

  /** A regular file of {@code size} bytes (its size when it was listed). */
  void file(String name, int mode, long mtime, Path file, long size) throws IOException {
    if (size > SMALL_FILE) {
      add(new Pending('0', name, mode, mtime, null, file, size, null, null));
      return;
    }
    while (!slabs.ready((int) size)) {
      writeFirst(); // every slab waits to be written: the oldest entries go first, which frees theirs
    }
    Slabs.Slice slice = slabs.reserve((int) size, () -> { });
    add(new Pending('0', name, mode, mtime, null, file, size, slice, readers.submit(() -> read(file, slice))));
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

  /** Writes what is still waiting; returns the number of files written. */
  long finish() throws IOException {
    while (!queue.isEmpty()) {
      writeFirst();
    }
    return files;
  }

  private void add(Pending p) throws IOException {
    queue.add(p);
    while (queue.size() > AHEAD_FILES) {
      writeFirst();
    }
  }

  private void writeFirst() throws IOException {
    Pending p = queue.poll();
    switch (p.type()) {
      case '5' -> tar.directory(p.name(), p.mode(), p.mtime());
      case '2' -> tar.symlink(p.name(), p.link(), p.mtime());
      default -> writeFile(p);
    }
  }

  private void writeFile(Pending p) throws IOException {
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
          return; // deleted since it was listed: tar warns and goes on, so does the archive
        }
        throw e.getCause() instanceof IOException io ? io : new IOException("reading " + p.file() + " failed", e);
      }
      // The length read, not the size listed: a file that shrank in between is still a well-formed entry.
      tar.file(p.name(), p.mode(), p.mtime(), p.slice().bytes(), p.slice().offset(), length);
      p.slice().release();
    } else {
      try (InputStream in = Files.newInputStream(p.file())) {
        tar.file(p.name(), p.mode(), p.mtime(), p.size(), in);
      }
    }
    files++;
  }

  @Override
  public void close() {
    readers.shutdownNow();
  }
}
