package dev.cde.tunnel;

import dev.cde.tunnel.message.Hello;
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

  public static HttpClient httpClient(Vertx vertx) {
    return vertx.createHttpClient(new HttpClientOptions()
        .setMaxWebSocketFrameSize(65536)
        .setMaxWebSocketMessageSize(dev.cde.tunnel.codec.FrameCodec.MAX_MESSAGE)
        .setTcpNoDelay(true)
        .setMaxPoolSize(64));
  }

  public static Future<TunnelSession> connect(Vertx vertx, HttpClient http, URI endpoint,
      Map<String, String> headers, Hello hello, TunnelOptions options) {
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
      TunnelSession session = TunnelSession.start(vertx, ar.result(), true, hello, options, endpoint.getHost() + ":" + port);
      session.remoteHello().onComplete(h -> {
        if (h.succeeded()) {
          result.complete(session);
        } else {
          result.fail(h.cause());
        }
      });
    });
    return result.future();
  }
}
