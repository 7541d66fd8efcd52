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
import java.net.URI;
import java.util.Map;

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
    boolean tls = "wss".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme());
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : (tls ? 443 : 80);
    String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
    if (endpoint.getRawQuery() != null) {
      path += "?" + endpoint.getRawQuery();
    }
    WebSocketConnectOptions opts = new WebSocketConnectOptions()
        .setHost(endpoint.getHost()).setPort(port).setURI(path).setSsl(tls)
        .setTimeout(15_000);
    headers.forEach(opts::addHeader);
    Promise<TunnelSession> result = Promise.promise();
    // Dial from an event-loop context: the WebSocket then completes on that loop, where our listener is
    // already registered, so TunnelSession installs its handlers before the peer's first message is read.
    // Dialled from another thread, the listener can run a turn later and the peer's HELLO is dropped.
    Context current = Vertx.currentContext();
    Context loop = current != null && current.isEventLoopContext() ? current
        : ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
    loop.runOnContext(v -> dial(vertx, http, opts, hello, options, endpoint.getHost() + ":" + port, tunnelClient,
        result));
    return result.future();
  }

  private static void dial(Vertx vertx, HttpClient http, WebSocketConnectOptions opts, Hello hello,
      TunnelOptions options, String label, boolean tunnelClient, Promise<TunnelSession> result) {
    http.webSocket(opts).onComplete(ar -> {
      if (ar.failed()) {
        Throwable e = ar.cause();
        if (e instanceof UpgradeRejectedException rejected) {
          String body = rejected.getBody() == null ? "" : rejected.getBody().toString();
          result.fail(new TunnelRejectedException(rejected.getStatus(), body));
        } else {
          result.fail(e);
        }
        return;
      }
      TunnelSession session = TunnelSession.start(vertx, ar.result(), tunnelClient, hello, options, label);
      session.remoteHello().onComplete(h -> {
        if (h.succeeded()) {
          result.complete(session);
        } else {
          result.fail(h.cause());
        }
      });
    });
  }
}
