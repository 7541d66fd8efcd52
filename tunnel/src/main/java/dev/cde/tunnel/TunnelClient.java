package dev.cde.tunnel;

import dev.cde.tunnel.message.Hello;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import java.net.URI;
import java.util.Map;
import java.util.function.Supplier;

/** Dials a tunnel endpoint ({@code ws://} or {@code wss://}) and completes once both HELLOs are exchanged. */
public final class TunnelClient {
  private TunnelClient() {}

  /** A client that masks its frames, as RFC 6455 requires of clients: right for any network path. */
  public static HttpClient httpClient(Vertx vertx) {
    return httpClient(vertx, false);
  }

  /**
   * With {@code unmasked}, frames are sent unmasked. Masking guards proxies in between against
   * cache poisoning by hostile browser scripts; on loopback to our own agent there is no proxy and
   * no browser, and masking was the largest single cost of a bulk transfer (docs/benchmarks.md).
   * Only for endpoints known to accept it (the agent does); never through a platform's gateway.
   */
  public static HttpClient httpClient(Vertx vertx, boolean unmasked) {
    return vertx.createHttpClient(new HttpClientOptions()
        .setMaxWebSocketFrameSize(65536)
        .setMaxWebSocketMessageSize(dev.cde.tunnel.codec.FrameCodec.MAX_MESSAGE)
        .setTcpNoDelay(true)
        .setSendUnmaskedFrames(unmasked)
        .setMaxPoolSize(64));
  }

  /** True for endpoints on this machine, where unmasked frames are safe. */
  public static boolean isLoopback(URI endpoint) {
    String h = endpoint.getHost();
    return h != null && (h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1"));
  }

  public static Future<TunnelSession> connect(Vertx vertx, HttpClient http, URI endpoint,
      Map<String, String> headers, Hello hello, TunnelOptions options) {
    return connect(vertx, http, endpoint, headers, hello, options, true);
  }

  /**
   * Dials like {@link #connect(Vertx, HttpClient, URI, Map, Hello, TunnelOptions)}, taking the tunnel role
   * {@code tunnelClient}: false for an agent that dials out to the bridge (docs/protocol.md, "Dial-out"), which
   * keeps the tunnel's server role (even channel ids) although it dialed the WebSocket.
   */
  public static Future<TunnelSession> connect(Vertx vertx, HttpClient http, URI endpoint,
      Map<String, String> headers, Hello hello, TunnelOptions options, boolean tunnelClient) {
    return dial(vertx, http, endpoint, () -> headers,
        ws -> TunnelSession.start(vertx, ws, tunnelClient, hello, options, label(endpoint)));
  }

  /**
   * Like {@link #connect}, but the session offers resume: after a connection drops without GOAWAY it re-dials
   * the same endpoint (with fresh {@code headers}, e.g. a new short-lived token) until the peer's grace period
   * ends, and continues its channels without losing or repeating a byte. A peer without resume gets the
   * old behaviour: the drop ends the channels.
   */
  public static Future<TunnelSession> connectResumable(Vertx vertx, HttpClient http, URI endpoint,
      Supplier<Map<String, String>> headers, Hello hello, TunnelOptions options) {
    // Re-dials run on the session's own loop, so a new socket is handed over before it reads a message.
    return dial(vertx, http, endpoint, headers, ws -> TunnelSession.startResumableDialer(vertx, ws, hello,
        options, label(endpoint), resumeId -> {
          Map<String, String> h = new java.util.HashMap<>(headers.get());
          h.put(TunnelAcceptor.RESUME_HEADER, resumeId);
          Promise<WebSocketBase> again = Promise.promise();
          webSocket(http, options(endpoint, h)).onComplete(ar -> {
            if (ar.succeeded()) {
              again.complete(ar.result());
            } else {
              again.fail(ar.cause());
            }
          });
          return again.future();
        }));
  }

  private static Future<TunnelSession> dial(Vertx vertx, HttpClient http, URI endpoint,
      Supplier<Map<String, String>> headers, java.util.function.Function<WebSocket, TunnelSession> start) {
    Promise<TunnelSession> result = Promise.promise();
    // Dial from an event-loop context: the WebSocket then completes on that loop, where our listener is
    // already registered, so TunnelSession installs its handlers before the peer's first message is read.
    // Dialled from another thread, the listener can run a turn later and the peer's HELLO is dropped.
    Context current = Vertx.currentContext();
    Context loop = current != null && current.isEventLoopContext() ? current
        : ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
    loop.runOnContext(v -> webSocket(http, options(endpoint, headers.get())).onComplete(ar -> {
      if (ar.failed()) {
        result.fail(ar.cause());
        return;
      }
      TunnelSession session = start.apply(ar.result());
      session.remoteHello().onComplete(h -> {
        if (h.succeeded()) {
          result.complete(session);
        } else {
          result.fail(h.cause());
        }
      });
    }));
    return result.future();
  }

  private static String label(URI endpoint) {
    return endpoint.getHost() + ":" + options(endpoint, Map.of()).getPort();
  }

  private static WebSocketConnectOptions options(URI endpoint, Map<String, String> headers) {
    boolean tls = "wss".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme());
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : (tls ? 443 : 80);
    String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
    if (endpoint.getRawQuery() != null) {
      path += "?" + endpoint.getRawQuery();
    }
    WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(endpoint.getHost()).setPort(port).setURI(path)
        .setSsl(tls).setTimeout(15_000);
    headers.forEach(opts::addHeader);
    return opts;
  }

  /**
   * Opens the WebSocket; a refused upgrade becomes {@link TunnelRejectedException} with status and body.
   * The result is a context-free promise, so its listener runs in the very callback that completes the
   * upgrade: the session's handlers are then in place before the peer's first message (HELLO) is read.
   * ({@code recover}/{@code map} on the client's own future may hand the result over a turn later, and
   * Vert.x drops messages that arrive while a WebSocket has no handler.)
   */
  private static Future<WebSocket> webSocket(HttpClient http, WebSocketConnectOptions opts) {
    Promise<WebSocket> opened = Promise.promise();
    http.webSocket(opts).onComplete(ar -> {
      if (ar.succeeded()) {
        opened.complete(ar.result());
      } else if (ar.cause() instanceof UpgradeRejectedException rejected) {
        String body = rejected.getBody() == null ? "" : rejected.getBody().toString();
        opened.fail(new TunnelRejectedException(rejected.getStatus(), body));
      } else {
        opened.fail(ar.cause());
      }
    });
    return opened.future();
  }
}
