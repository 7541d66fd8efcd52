package dev.cde.bridge.logs;

import dev.cde.bridge.problem.InvalidRequestException;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionBroker;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.vertx.core.buffer.Buffer;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import java.util.Locale;
import org.jboss.resteasy.reactive.ResponseHeader;

/**
 * {@code GET /api/v1/sessions/{id}/logs[?tail=N][&follow=true]}: a session's log, byte for byte, as
 * {@code text/plain} (what the process printed, which need not be UTF-8).
 */
@Path("/api/v1/sessions/{id}/logs")
public class SessionLogResource {
  private final SessionBroker broker;
  private final SessionLogs logs;

  public SessionLogResource(SessionBroker broker, SessionLogs logs) {
    this.broker = broker;
    this.logs = logs;
  }

  @GET
  @Produces("text/plain; charset=utf-8")
  // Without it a browser holds back the start of a text/plain stream to sniff its type (Chromium: up to 512 bytes),
  // so a quiet session's followed log (the dashboard's) would show nothing until it grew or ended.
  @ResponseHeader(name = "X-Content-Type-Options", value = "nosniff")
  @Blocking // the session is looked up in the database; the stream itself never blocks the caller
  public Multi<Buffer> get(@PathParam("id") String id, @QueryParam("tail") String tail,
      @QueryParam("follow") String follow) {
    long lines = tailLines(tail);
    boolean following = follow(follow);
    Session s = broker.get(id);
    // An ended session has nothing more to wait for: its log is answered as it is.
    return logs.read(s.id(), lines, following && !s.state().terminal(), () -> broker.get(id).state().terminal());
  }

  /** Negative: no tail, the whole log. */
  static long tailLines(String tail) {
    if (tail == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(tail.strip());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidRequestException("tail '" + tail + "' is not a number of lines (0 or more)");
  }

  static boolean follow(String follow) {
    if (follow == null) {
      return false;
    }
    return switch (follow.strip().toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new InvalidRequestException("follow '" + follow + "' is not true or false");
    };
  }
}
