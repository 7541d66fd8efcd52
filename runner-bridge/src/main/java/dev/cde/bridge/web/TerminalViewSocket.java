package dev.cde.bridge.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.bridge.problem.Problem;
import dev.cde.bridge.relay.AgentLinks;
import dev.cde.bridge.relay.TerminalViewer;
import dev.cde.tunnel.message.ExitStatus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * {@code GET /api/v1/sessions/{id}/terminal[?name=t1]} as a WebSocket: a read-only view of a session's terminal in a
 * form a browser takes as it is. Binary messages are the terminal's output, byte for byte; text messages are JSON
 * events: {@code {"type":"size","cols":..,"rows":..}}, {@code {"type":"exit","status":{..}}},
 * {@code {"type":"closed","reason":".."}}. What the browser sends is never read, so this view cannot type, resize or
 * signal; that is also why the browser needs no tunnel codec: it never opens a channel. A viewer that cannot keep up
 * is closed (1013) rather than slowing the terminal.
 */
@ApplicationScoped
public class TerminalViewSocket {
  private static final Logger LOG = Logger.getLogger(TerminalViewSocket.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AgentLinks links;

  public TerminalViewSocket(AgentLinks links) {
    this.links = links;
  }

  void routes(@Observes Router router) {
    router.get("/api/v1/sessions/:id/terminal").order(-100).handler(this::upgrade);
  }

  private void upgrade(RoutingContext rc) {
    // Admitted by ApiTokenFilter: the API token, or the dashboard's cookie (DashboardAccess).
    String sessionId = rc.pathParam("id");
    String name = rc.queryParams().get("name");
    boolean known = links.terminals(sessionId).stream().anyMatch(t -> name == null || name.isBlank()
        || t.name().equals(name));
    if (!known) {
      rc.response().setStatusCode(404).putHeader("Content-Type", Problem.MEDIA_TYPE)
          .end(Problem.of(404, "No terminal", "session " + sessionId + " has no open terminal"
              + (name == null ? "" : " named " + name) + " (see GET /api/v1/sessions/" + sessionId + "/terminals)")
              .toJson());
      return;
    }
    rc.request().toWebSocket().onSuccess(ws -> {
      WebSocketViewer viewer = new WebSocketViewer(ws);
      ws.frameHandler(frame -> { }); // read-only: nothing a viewer sends goes anywhere
      links.watch(sessionId, name, viewer).ifPresentOrElse(detach -> {
        ws.closeHandler(v -> detach.run());
        LOG.infof("session %s: terminal watched read-only from %s", sessionId, ws.remoteAddress());
      }, () -> viewer.closed("the terminal closed", false));
    }).onFailure(e -> LOG.warnf("session %s: terminal view upgrade failed: %s", sessionId, e.getMessage()));
  }

  /** The relay's viewer interface over a browser's WebSocket. */
  static final class WebSocketViewer implements TerminalViewer {
    private final ServerWebSocket ws;
    private final AtomicBoolean done = new AtomicBoolean();

    WebSocketViewer(ServerWebSocket ws) {
      this.ws = ws;
    }

    @Override
    public boolean writeQueueFull() {
      return ws.writeQueueFull();
    }

    @Override
    public void write(Buffer output) {
      if (!done.get()) {
        ws.writeBinaryMessage(output);
      }
    }

    @Override
    public void resized(int cols, int rows) {
      event(JSON.createObjectNode().put("type", "size").put("cols", cols).put("rows", rows));
    }

    @Override
    public void exited(ExitStatus status) {
      event(JSON.createObjectNode().put("type", "exit").set("status", JSON.valueToTree(status)));
      close((short) 1000, "terminal exited");
    }

    @Override
    public void closed(String reason, boolean tooSlow) {
      event(JSON.createObjectNode().put("type", "closed").put("reason", reason));
      close(tooSlow ? (short) 1013 : (short) 1001, reason);
    }

    private void event(JsonNode event) {
      if (done.get()) {
        return;
      }
      try {
        ws.writeTextMessage(JSON.writeValueAsString(event));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    private void close(short status, String reason) {
      if (done.compareAndSet(false, true)) {
        ws.close(status, clip(reason));
      }
    }

    /** A close reason may hold at most 123 bytes. */
    private static String clip(String reason) {
      byte[] b = reason.getBytes(StandardCharsets.UTF_8);
      return b.length <= 120 ? reason : new String(b, 0, 120, StandardCharsets.UTF_8).replace("\uFFFD", "");
    }
  }
}
