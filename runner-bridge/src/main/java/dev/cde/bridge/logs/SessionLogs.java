package dev.cde.bridge.logs;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.SessionEnded;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The output log of each session: appended as bytes arrive, capped at {@code cde.logs.max-bytes}, closed
 * when the session ends. A write that fails is logged and dropped: a full disk must not break the job.
 * Readers that follow a log register a {@link Follower} and are told when it grows and when the session ends.
 */
@ApplicationScoped
public class SessionLogs {
  private static final Logger LOG = Logger.getLogger(SessionLogs.class);
  // Session ids become file names: only what SessionIds makes is accepted, so no id can name another path.
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,80}");

  private final Path dir;
  private final long maxBytes;
  private final Map<String, Writer> open = new ConcurrentHashMap<>();
  private final Map<String, Set<Follower>> followers = new ConcurrentHashMap<>();

  /**
   * Hears about one session's log. Called on the thread that appends, which may be an event loop, and
   * while other appends wait: implementations only take note and return, the reading happens elsewhere.
   */
  public interface Follower {
    /** More bytes are in the file. */
    void appended();

    /** The session ended: what is in the file now is all a follower waits for. */
    void ended();
  }

  @jakarta.inject.Inject
  public SessionLogs(BridgeHome home, LogsConfig config) {
    this(home.logs(), config.maxBytes().asLongValue());
  }

  public SessionLogs(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** Appends output of the session; cheap enough for an event loop (one positional write to a local file). */
  public void append(String sessionId, Buffer data) {
    append(sessionId, data.getBytes());
  }

  public void append(String sessionId, byte[] data) {
    Writer w = open.computeIfAbsent(checked(sessionId), id -> new Writer(path(id)));
    w.write(data);
    // After the write, so that a follower woken here finds the bytes in the file.
    tell(sessionId, Follower::appended);
  }

  /** Tells {@code follower} about appends to the session's log and its end, until {@link #unfollow}. */
  public void follow(String sessionId, Follower follower) {
    // compute, not computeIfAbsent + add: unfollow may drop the set of this id at the same moment.
    followers.compute(checked(sessionId), (id, set) -> {
      Set<Follower> s = set != null ? set : ConcurrentHashMap.newKeySet();
      s.add(follower);
      return s;
    });
  }

  public void unfollow(String sessionId, Follower follower) {
    // An id nobody follows any more leaves no entry behind: followers come and go for weeks.
    followers.computeIfPresent(sessionId, (id, set) -> {
      set.remove(follower);
      return set.isEmpty() ? null : set;
    });
  }

  /** How many followers the session's log has (zero once every client went away). */
  public int followers(String sessionId) {
    Set<Follower> s = followers.get(sessionId);
    return s == null ? 0 : s.size();
  }

  /**
   * The session's log as chunks for one client: all of it, or from {@code tailLines} lines before its end
   * (when not negative); with {@code follow}, then what is appended until the session has ended, which
   * {@code sessionEnded} tells for the time before this stream heard of it.
   */
  public Multi<Buffer> read(String sessionId, long tailLines, boolean follow, BooleanSupplier sessionEnded) {
    return new SessionLogStream(this, checked(sessionId), tailLines, follow, sessionEnded,
        Infrastructure.getDefaultWorkerPool()).chunks();
  }

  /** The session's log file, if anything was ever written for it. */
  public Optional<Path> file(String sessionId) {
    if (!SAFE_ID.matcher(sessionId).matches()) {
      return Optional.empty();
    }
    Path p = path(sessionId);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  /** Closes the file of an ended session; a late write (the runner's last bytes) reopens it. */
  void onEnded(@Observes SessionEnded ended) {
    Writer w = open.remove(ended.sessionId());
    if (w != null) {
      w.close();
    }
    tell(ended.sessionId(), Follower::ended);
  }

  /** A follower that fails must not fail the runner's output handler or the broker that fired the event. */
  private void tell(String sessionId, java.util.function.Consumer<Follower> event) {
    Set<Follower> fs = followers.get(sessionId);
    if (fs == null) {
      return;
    }
    for (Follower f : fs) {
      try {
        event.accept(f);
      } catch (RuntimeException e) {
        LOG.warnf(e, "session %s: a log follower failed: %s", sessionId, e.getMessage());
      }
    }
  }

  private Path path(String sessionId) {
    return dir.resolve(sessionId + ".log");
  }

  private static String checked(String sessionId) {
    if (!SAFE_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException("not a session id: " + sessionId);
    }
    return sessionId;
  }

  private final class Writer {
    private final Path file;
    private FileChannel channel;
    private long size;
    private boolean full;

    Writer(Path file) {
      this.file = file;
    }

    synchronized void write(byte[] data) {
      if (full) {
        return;
      }
      try {
        if (channel == null) {
          channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
          size = channel.size();
        }
        long room = maxBytes - size;
        if (data.length > room) {
          ByteBuffer head = ByteBuffer.wrap(data, 0, (int) Math.max(0, room));
          size += writeAll(head);
          size += writeAll(ByteBuffer.wrap(("\ncde: this log reached its limit of " + maxBytes
              + " bytes (cde.logs.max-bytes); later output is not kept\n").getBytes(StandardCharsets.UTF_8)));
          full = true;
          return;
        }
        size += writeAll(ByteBuffer.wrap(data));
      } catch (IOException e) {
        LOG.warnf("cannot write the log %s: %s; this output is dropped", file, e.getMessage());
      }
    }

    private long writeAll(ByteBuffer b) throws IOException {
      long n = 0;
      while (b.hasRemaining()) {
        n += channel.write(b);
      }
      return n;
    }

    synchronized void close() {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        channel = null;
      }
    }
  }
}
