package dev.cde.bridge.cache.archive;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An upload received into its file and read through by {@link ArchiveInspector} at the same time, on one worker
 * thread: the receiver only queues the chunks ({@link #feed}); the worker takes all that wait at once, writes them
 * to the file in one call and hands them to the inspector. So publishing need not read the whole archive again
 * after the upload (for a dependency cache that was a second or more between the last byte and the answer), and
 * the file costs a write per batch, not a hand-over to another thread per network chunk (which, with Vert.x's
 * AsyncFile, was most of the bridge's CPU time for an upload). At most {@link #MAX_QUEUED} bytes wait; the
 * receiver pauses its source while {@link #full()}. The verdict stands only for a file of exactly the bytes fed,
 * fed to their end ({@link #verdict}); anything else leaves the file to be inspected itself.
 */
public final class StreamInspection {
  static final int MAX_QUEUED = 8 << 20;
  /** The worker wakes when this much waits (or the upload ended): one wake-up per batch, not per chunk. */
  private static final int BATCH = 1 << 20;
  /** A fed archive is read at the inspector's pace; past this, the file is inspected instead. */
  private static final long MAX_WAIT_MINUTES = 10;

  private final boolean confine;
  private final boolean inspect;
  private final CompletableFuture<Long> entries = new CompletableFuture<>();
  private final CompletableFuture<Void> written = new CompletableFuture<>();
  private final Chunks input;

  private StreamInspection(Path file, boolean confine, boolean inspect) {
    this.confine = confine;
    this.inspect = inspect;
    this.input = new Chunks(file);
  }

  /**
   * Starts receiving into {@code file} (created or truncated) on {@code executor}; {@code confine} as
   * {@link ArchiveInspector#inspect(java.nio.file.Path, boolean)}.
   */
  public static StreamInspection start(Path file, boolean confine, Executor executor) {
    StreamInspection s = new StreamInspection(file, confine, true);
    executor.execute(s::run);
    return s;
  }

  /**
   * The same receiving into {@code file}, nothing inspected: a block of a staged upload, whose bytes are
   * inspected when the block list joins them. Its verdict is always empty.
   */
  public static StreamInspection receiveOnly(Path file, Executor executor) {
    StreamInspection s = new StreamInspection(file, false, false);
    executor.execute(s::run);
    return s;
  }

  private void run() {
    try {
      if (inspect) {
        try {
          entries.complete(ArchiveInspector.inspect(input, confine));
        } catch (Throwable e) {
          entries.completeExceptionally(e);
        }
      }
      input.writeRest(); // a refused archive is still received whole: the client is told at finalize
      written.complete(null);
    } catch (Throwable e) {
      written.completeExceptionally(e);
    } finally {
      input.closeFile();
    }
  }

  /** The next chunk of the archive (kept, not copied: the receiver must not reuse it). */
  public void feed(Buffer chunk) {
    input.offer(chunk);
  }

  /** As {@link #feed}, for a blocking sender: waits while the queue is full. */
  public void feedWaiting(Buffer chunk) throws InterruptedIOException {
    input.offerWaiting(chunk);
  }

  /** Whether the receiver should pause until {@link #drainHandler} runs. */
  public boolean full() {
    return input.full();
  }

  /** Runs (on the worker) once a full queue has room again. */
  public void drainHandler(Runnable onDrain) {
    input.drainHandler(onDrain);
  }

  /** The archive was received to its end: completes once every byte is in the file, or fails as writing it did. */
  public CompletableFuture<Void> end() {
    input.end(false);
    return written;
  }

  /** The upload failed or was replaced: this verdict counts for nothing, and the worker stops. */
  public void discard() {
    input.end(true);
  }

  /**
   * The number of entries, when this inspection read exactly the {@code size} bytes now in the file, to their end,
   * confined as {@code confine} asks; empty when it cannot vouch for the file (which must then be inspected).
   *
   * @throws ArchiveInspector.CorruptArchiveException when the archive fed does not read to its end
   * @throws ArchiveInspector.UnsafeArchiveException when it names paths outside
   */
  public OptionalLong verdict(long size, boolean confine) throws IOException {
    if (!inspect || confine != this.confine || !input.endedWith(size) || written.isCompletedExceptionally()) {
      return OptionalLong.empty();
    }
    try {
      written.get(MAX_WAIT_MINUTES, TimeUnit.MINUTES);
      return OptionalLong.of(entries.get(MAX_WAIT_MINUTES, TimeUnit.MINUTES));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ArchiveInspector.CorruptArchiveException
          || e.getCause() instanceof ArchiveInspector.UnsafeArchiveException) {
        throw (IOException) e.getCause();
      }
      return OptionalLong.empty();
    } catch (TimeoutException e) {
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the archive was inspected");
    }
  }

  /** The chunks between the receiver and the worker, written to the file as taken and read as one stream. */
  private static final class Chunks extends InputStream {
    private final Path path;
    private FileChannel file;
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private long queued;
    private long fed;
    private boolean ended;
    private boolean discarded;
    /** The receiver was told it is full, and waits for {@link #onDrain}. */
    private boolean receiverWaits;
    private Runnable onDrain;
    /** Taken from the queue and written; being read by the inspector. */
    private final ArrayDeque<Buffer> taken = new ArrayDeque<>();
    private int pos;

    Chunks(Path path) {
      this.path = path;
    }

    synchronized void offer(Buffer chunk) {
      if (ended) {
        return;
      }
      fed += chunk.length();
      queue.add(chunk);
      long before = queued;
      queued += chunk.length();
      if (before < BATCH && queued >= BATCH) {
        notifyAll();
      }
    }

    synchronized void offerWaiting(Buffer chunk) throws InterruptedIOException {
      while (queued >= MAX_QUEUED && !ended) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while the upload was written");
        }
      }
      offer(chunk);
    }

    synchronized boolean full() {
      boolean full = queued >= MAX_QUEUED;
      receiverWaits |= full;
      return full;
    }

    synchronized void drainHandler(Runnable r) {
      onDrain = r;
    }

    synchronized void end(boolean discard) {
      ended = true;
      discarded |= discard;
      if (discard) {
        queue.clear();
        queued = 0;
      }
      notifyAll();
    }

    synchronized boolean endedWith(long size) {
      return ended && !discarded && fed == size;
    }

    /**
     * Takes every waiting chunk and writes them to the file; false at the end of the upload.
     *
     * @throws IOException when the upload was abandoned, or writing failed
     */
    private boolean takeBatch() throws IOException {
      List<Buffer> batch = new ArrayList<>();
      Runnable drained = null;
      synchronized (this) {
        while (!discarded && !ended && queued < BATCH) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the upload");
          }
        }
        if (discarded) {
          throw new IOException("the upload was abandoned");
        }
        if (queue.isEmpty()) {
          return false; // ended, all taken
        }
        batch.addAll(queue);
        queue.clear();
        queued = 0;
        notifyAll(); // a sender waiting in offerWaiting
        if (receiverWaits) {
          receiverWaits = false;
          drained = onDrain;
        }
      }
      if (drained != null) {
        drained.run();
      }
      write(batch);
      taken.addAll(batch);
      return true;
    }

    private void write(List<Buffer> batch) throws IOException {
      if (file == null) {
        file = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING);
      }
      ByteBuffer[] buffers = new ByteBuffer[batch.size()];
      long left = 0;
      for (int i = 0; i < buffers.length; i++) {
        buffers[i] = batch.get(i).getByteBuf().nioBuffer();
        left += buffers[i].remaining();
      }
      while (left > 0) {
        left -= file.write(buffers);
      }
    }

    /** Writes what the inspector left (it stopped early, at a refusal): the file is the whole upload either way. */
    void writeRest() throws IOException {
      taken.clear();
      while (takeBatch()) {
        taken.clear();
      }
      if (file == null) {
        write(List.of()); // an empty upload is an empty file
      }
    }

    /** The inspector closes its stream when done; the file stays open for what it left ({@link #writeRest}). */
    @Override
    public void close() {
    }

    void closeFile() {
      try {
        if (file != null) {
          file.close();
        }
      } catch (IOException e) {
        // every write returned: what is in the file is there; or the upload failed already
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (taken.isEmpty() || pos == taken.peek().length()) {
        if (!taken.isEmpty()) {
          taken.poll();
          pos = 0;
          continue;
        }
        if (!takeBatch()) {
          return -1;
        }
      }
      Buffer current = taken.peek();
      int n = Math.min(len, current.length() - pos);
      current.getBytes(pos, pos + n, b, off);
      pos += n;
      return n;
    }
  }
}
