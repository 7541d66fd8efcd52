package dev.cde.tunnel;

import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.Frame;
import dev.cde.tunnel.codec.FrameCodec;
import dev.cde.tunnel.codec.FrameType;
import dev.cde.tunnel.codec.ProtocolException;
import dev.cde.tunnel.message.Failure;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.Resume;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketBase;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The accepting side of resumable tunnels (the agent). A connection without the {@value #RESUME_HEADER} upgrade
 * header starts a new session, which offers resume (an id, a secret token, the grace period); one with it
 * must send RESUME first and continues the suspended session it names, once its token matches. Sessions
 * are forgotten when they end.
 */
public final class TunnelAcceptor {
  private static final Logger LOG = Logger.getLogger(TunnelAcceptor.class.getName());

  /** Upgrade header of a connection that continues a session: its resume id (not secret; the token is). */
  public static final String RESUME_HEADER = "Cde-Resume";

  private final Vertx vertx;
  private final TunnelOptions options;
  private final Map<String, TunnelSession> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  public TunnelAcceptor(Vertx vertx, TunnelOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /**
   * Takes an upgraded WebSocket. Call on its event loop, before returning from the upgrade's callback.
   * {@code onNew} sees each new session (to set its open handler) before any of its channel frames is read;
   * a resumed connection joins its session silently.
   */
  public void accept(ServerWebSocket ws, Hello hello, String label, Handler<TunnelSession> onNew) {
    String resuming = ws.headers().get(RESUME_HEADER);
    if (resuming == null) {
      // A new session: HELLO goes out at once, as from any server, so the handshake costs no extra turn.
      String id = token(12);
      TunnelSession s = TunnelSession.startResumableAcceptor(vertx, ws, hello, options, label,
          new Hello.ResumeOffer(id, token(32), (int) Math.max(1, options.resumeGrace().toSeconds())));
      sessions.put(id, s);
      s.closed().onComplete(ar -> sessions.remove(id, s));
      onNew.handle(s);
      return;
    }
    long timer = vertx.setTimer(options.keepaliveTimeout().toMillis(),
        id -> refuse(ws, ErrorCode.PROTOCOL_ERROR, "no RESUME within " + options.keepaliveTimeout().toMillis() + " ms"));
    ws.closeHandler(v -> vertx.cancelTimer(timer));
    ws.textMessageHandler(t -> {
      vertx.cancelTimer(timer);
      refuse(ws, ErrorCode.PROTOCOL_ERROR, "text messages are not part of the protocol");
    });
    ws.binaryMessageHandler(first -> {
      vertx.cancelTimer(timer);
      ws.binaryMessageHandler(null);
      List<Frame> frames;
      Resume resume;
      try {
        frames = FrameCodec.decode(first);
        if (frames.get(0).type() != FrameType.RESUME) {
          throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "expected RESUME first on a resumed connection, got "
              + frames.get(0).type());
        }
        resume = Json.decode(frames.get(0).payload(), Resume.class);
      } catch (ProtocolException e) {
        refuse(ws, e.code(), e.getMessage());
        return;
      }
      TunnelSession s = resume.id() == null || !resume.id().equals(resuming) ? null : sessions.get(resume.id());
      if (s == null) {
        refuse(ws, ErrorCode.REFUSED, "no session to resume (it ended, or its grace period passed)");
      } else if (!s.resumeTokenMatches(resume.token())) {
        LOG.warning(label + ": refused a resume of " + resume.id() + " with a wrong token");
        refuse(ws, ErrorCode.UNAUTHORIZED, "wrong resume token");
      } else {
        s.attachHandlers(ws);
        s.resumeOn(ws, resume, frames.subList(1, frames.size()));
      }
    });
  }

  /** Sessions that can still be resumed (live or suspended). */
  public int sessions() {
    return sessions.size();
  }

  private static void refuse(WebSocketBase ws, ErrorCode code, String reason) {
    if (!ws.isClosed()) {
      ws.writeBinaryMessage(FrameCodec.encode(Frame.of(FrameType.GOAWAY, 0, Json.encode(new Failure(code.code, reason)))));
      ws.close(code.closeStatus, TunnelSession.truncateUtf8(reason, 120));
    }
  }

  private String token(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
