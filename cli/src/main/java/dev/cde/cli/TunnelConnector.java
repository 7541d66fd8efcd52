package dev.cde.cli;

import dev.cde.tunnel.ChannelOpenException;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelRejectedException;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.Hello;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.ConnectException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Dials a session's tunnel through the bridge. Vert.x starts only here, so the commands that need no
 * tunnel ({@code sessions}, {@code stop}, {@code --help}) stay quick to start.
 */
public final class TunnelConnector implements AutoCloseable {
  static final String SOFTWARE = "cde-cli/" + CdeMain.VERSION;

  final Vertx vertx;
  private final URI bridge;
  private final String token;
  /** Tunnels this connector opened: closed with GOAWAY before Vert.x stops, so none takes its end for a drop. */
  private final java.util.List<TunnelSession> opened = new java.util.concurrent.CopyOnWriteArrayList<>();

  public TunnelConnector(URI bridge, String token) {
    this.bridge = bridge;
    this.token = token;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2).setInternalBlockingPoolSize(2)
        // our handlers write to stdout; a slow terminal or pipe is not a bug worth a stack trace
        .setBlockedThreadCheckInterval(60_000).setWarningExceptionTime(60_000_000_000L));
  }

  static URI tunnelUri(URI bridge, String sessionId) {
    String scheme = "https".equals(bridge.getScheme()) ? "wss" : "ws";
    String path = (bridge.getRawPath() == null ? "" : bridge.getRawPath()) + "/api/v1/sessions/" + sessionId + "/tunnel";
    return URI.create(scheme + "://" + bridge.getRawAuthority() + path);
  }

  public TunnelSession connect(String sessionId) {
    // Resumable: a connection to the bridge cut in the middle of a job is dialed again and the job's channels go on
    // without a lost or repeated byte, within the bridge's grace period (docs/protocol.md, "Resume").
    Future<TunnelSession> f = TunnelClient.connectResumable(vertx, TunnelClient.httpClient(vertx),
        tunnelUri(bridge, sessionId), () -> Map.of("Authorization", "Bearer " + token), Hello.of("client", SOFTWARE),
        new TunnelOptions());
    try {
      TunnelSession session = await(f, 60);
      opened.add(session);
      return session;
    } catch (CliException e) {
      throw e;
    } catch (TunnelRejectedException e) {
      switch (e.status()) {
        case 401, 403 -> throw CliException.authRefused();
        case 404 -> throw new CliException(ExitCodes.NOT_FOUND, "no session " + sessionId);
        default -> throw new CliException(e.status() == 409 ? ExitCodes.SESSION_FAILED : ExitCodes.INTERNAL,
            "cannot open the tunnel to " + sessionId + ": " + bodyDetail(e));
      }
    } catch (ConnectException e) {
      throw BridgeClient.unreachable(bridge);
    } catch (Exception e) {
      throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "cannot open the tunnel to " + sessionId + ": " + e.getMessage());
    }
  }

  private static String bodyDetail(TunnelRejectedException e) {
    String m = e.getMessage();
    int i = m.indexOf(": ");
    if (i > 0) {
      String d = BridgeClient.problemDetail(m.substring(i + 2));
      if (d != null) {
        return d;
      }
    }
    return m;
  }

  /** Waits for a Vert.x future off the event loop; rethrows its cause unwrapped. */
  public static <T> T await(Future<T> f, int seconds) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new CliException(ExitCodes.INTERNAL, "no answer within " + seconds + " s");
    }
  }

  public static String describe(Throwable e) {
    if (e instanceof ChannelOpenException c) {
      return c.getMessage() + " (" + c.code() + ")";
    }
    return String.valueOf(e.getMessage());
  }

  @Override
  public void close() {
    // A resumable tunnel whose socket just goes away would re-dial the bridge (and say so on stderr) until Vert.x
    // stops; GOAWAY first tells the bridge, and the tunnel, that this is the end.
    for (TunnelSession s : opened) {
      if (!s.isClosed()) {
        try {
          s.close("client done");
          s.closed().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
          // leaving anyway
        }
      }
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // leaving anyway
    }
  }
}
