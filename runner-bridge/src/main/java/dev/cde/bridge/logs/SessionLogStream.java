package dev.cde.bridge.logs;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * One client's read of a session's log, as a stream of chunks: from the start or the last N lines, to the
 * end of the file, or (following) on through every append until the session has ended and its last bytes
 * went out. The file is read in chunks on worker threads, only as fast as the client takes them, so
 * neither a 64 MiB log nor a slow client costs memory or an event loop.
 */
final class SessionLogStream implements SessionLogs.Follower {
  static final int CHUNK = 64 * 1024;
  /** Marks the end of the stream; compared by identity, never sent. */
  private static final Buffer END = Buffer.buffer(new byte[0]);

  private final SessionLogs logs;
  private final String sessionId;
  private final long tailLines;
  private final boolean follow;
  private final BooleanSupplier sessionEnded;
  private final Executor worker;

  // Swapped for a fresh one on every change, so a reader that saw no new bytes waits on the one it took
  // before looking: a change between its look and its wait completes that one, and no wake-up is lost.
  private final AtomicReference<CompletableFuture<Void>> change = new AtomicReference<>(new CompletableFuture<>());
  private volatile boolean ended;
  private volatile boolean closed;

  // Touched only inside step() and closeFile(), which the lock keeps apart.
  private boolean started;
  private FileChannel file;
  private long position = -1;

  /**
   * @param tailLines how many lines from the end to start at; negative: from the start of the file
   * @param sessionEnded asked once, after this stream follows the log, whether the session has already ended
   * @param worker where the file is read (blocking calls)
   */
  SessionLogStream(SessionLogs logs, String sessionId, long tailLines, boolean follow, BooleanSupplier sessionEnded,
      Executor worker) {
    this.logs = logs;
    this.sessionId = sessionId;
    this.tailLines = tailLines;
    this.follow = follow;
    this.sessionEnded = sessionEnded;
    this.worker = worker;
  }

  Multi<Buffer> chunks() {
    Multi<Buffer> body = Multi.createBy().repeating().uni(this::next).until(b -> b == END)
        .onTermination().invoke(this::close);
    // An empty first chunk sends the status and headers at once: a follower of a quiet session learns that
    // it is connected, and clients that time out waiting for headers do not give up on it.
    return follow ? Multi.createBy().concatenating().streams(Multi.createFrom().item(Buffer.buffer()), body) : body;
  }

  /** The next chunk, {@link #END}, or null (repeat the step) once something changed. */
  private Uni<Buffer> next() {
    return Uni.createFrom().item(this::step).runSubscriptionOn(worker).onItem().transformToUni(s -> {
      if (s.data != null) {
        return Uni.createFrom().item(s.data);
      }
      if (s.waitFor != null) {
        return Uni.createFrom().completionStage(s.waitFor).onItem().<Buffer>transform(v -> null);
      }
      return Uni.createFrom().item(END);
    });
  }

  private record Step(Buffer data, CompletableFuture<Void> waitFor) {
  }

  private synchronized Step step() {
    if (closed) {
      return new Step(null, null);
    }
    if (!started) {
      started = true;
      if (follow) {
        logs.follow(sessionId, this);
        if (closed) {
          // The client left while we registered; close() may have unfollowed before we followed.
          logs.unfollow(sessionId, this);
          return new Step(null, null);
        }
        // Asked only now that the end event reaches us, so an end between the two is not missed.
        if (sessionEnded.getAsBoolean()) {
          ended = true;
        }
      }
    }
    CompletableFuture<Void> wake = change.get();
    boolean endedBeforeLooking = ended;
    try {
      if (file == null) {
        Optional<Path> p = logs.file(sessionId);
        if (p.isPresent()) {
          file = FileChannel.open(p.get(), StandardOpenOption.READ);
          // The tail applies to the log as the request found it; a log that appears later is all new.
          position = position < 0 && tailLines >= 0 ? tailStart(file, file.size(), tailLines, CHUNK) : 0;
        } else {
          position = 0;
        }
      }
      if (file != null) {
        long size = file.size();
        if (position < size) {
          ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK, size - position));
          while (chunk.hasRemaining()) {
            int n = file.read(chunk, position + chunk.position());
            if (n < 0) {
              break;
            }
          }
          int n = chunk.position();
          position += n;
          return new Step(Buffer.buffer(n == chunk.capacity() ? chunk.array() : Arrays.copyOf(chunk.array(), n)), null);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the log of session " + sessionId, e);
    }
    // Nothing new. Done unless following a session that had not ended before we looked.
    return follow && !endedBeforeLooking ? new Step(null, wake) : new Step(null, null);
  }

  @Override
  public void appended() {
    wake();
  }

  @Override
  public void ended() {
    ended = true;
    wake();
  }

  private void wake() {
    change.getAndSet(new CompletableFuture<>()).complete(null);
  }

  /** On completion, failure or the client going away; may run on an event loop, so the file is closed elsewhere. */
  private void close() {
    closed = true;
    if (follow) {
      logs.unfollow(sessionId, this);
    }
    wake();
    worker.execute(this::closeFile);
  }

  private synchronized void closeFile() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // a read-only channel: nothing was lost
      }
      file = null;
    }
  }

  /**
   * Where the last {@code lines} lines of the first {@code size} bytes begin, read backwards in chunks. A
   * newline as the very last byte ends the last line rather than starting an empty one, as {@code tail -n}
   * counts.
   */
  static long tailStart(FileChannel file, long size, long lines, int chunkSize) throws IOException {
    if (lines == 0) {
      return size;
    }
    ByteBuffer buf = ByteBuffer.allocate(chunkSize);
    long seen = 0;
    long end = size;
    while (end > 0) {
      long start = Math.max(0, end - chunkSize);
      buf.clear().limit((int) (end - start));
      while (buf.hasRemaining()) {
        if (file.read(buf, start + buf.position()) < 0) {
          throw new IOException("the log shrank while reading it");
        }
      }
      for (int i = (int) (end - start) - 1; i >= 0; i--) {
        if (buf.get(i) == '\n' && start + i != size - 1 && ++seen == lines) {
          return start + i + 1;
        }
      }
      end = start;
    }
    return 0;
  }
}
