package dev.cde.bridge.logs;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.SessionEnded;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The output log of each session: appended as bytes arrive, capped at {@code cde.logs.max-bytes}, closed
 * when the session ends. A write that fails is logged and dropped: a full disk must not break the job.
 */
@ApplicationScoped
public class SessionLogs {
  private static final Logger LOG = Logger.getLogger(SessionLogs.class);
  // Session ids become file names: only what SessionIds makes is accepted, so no id can name another path.
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,80}");

  private final Path dir;
  private final long maxBytes;
  private final Map<String, Writer> open = new ConcurrentHashMap<>();

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
