package dev.cde.bridge.web;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A terminal opened in a session the way {@code cde shell} opens one: a tunnel to the bridge's relay with the API
 * token, and a {@code pty} channel running {@code sh}. Everything the terminal printed is kept.
 */
final class PtyOwner implements AutoCloseable {
  private final HttpClient http;
  private final TunnelSession tunnel;
  final Channel pty;
  private final StringBuffer output = new StringBuffer();

  PtyOwner(Vertx vertx, URI bridge, String apiToken, String sessionId) throws Exception {
    http = TunnelClient.httpClient(vertx);
    URI ws = URI.create("ws://" + bridge.getAuthority() + "/api/v1/sessions/" + sessionId + "/tunnel");
    tunnel = TunnelClient.connect(vertx, http, ws, Map.of("Authorization", "Bearer " + apiToken),
        Hello.of("client", "cde-test"), new TunnelOptions()).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    pty = tunnel.open(OpenRequest.pty(List.of("sh"), Map.of("PS1", "$ "), 100, 30, "xterm-256color"))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    pty.handler(b -> output.append(b.toString(StandardCharsets.UTF_8)));
  }

  void type(String text) {
    pty.write(Buffer.buffer(text));
  }

  void resize(int cols, int rows) {
    pty.request(ChannelRequest.resize(cols, rows));
  }

  String output() {
    return output.toString();
  }

  @Override
  public void close() throws Exception {
    tunnel.close("test done").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    http.close();
  }
}
