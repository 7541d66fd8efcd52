package dev.cde.bridge.relay;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command in a session through the bridge's tunnel, as the {@code cde} command does (tests only). */
public final class BridgeExec {
  private BridgeExec() {
  }

  /** What a command printed on stdout and how it ended. */
  public record Result(String stdout, ExitStatus exit) {
  }

  public static Result run(Vertx vertx, URL bridge, String apiToken, String sessionId, String script) throws Exception {
    URI ws = URI.create("ws://" + bridge.getHost() + ":" + bridge.getPort() + "/api/v1/sessions/" + sessionId + "/tunnel");
    TunnelSession t = TunnelClient.connect(vertx, TunnelClient.httpClient(vertx), ws,
        Map.of("Authorization", "Bearer " + apiToken), Hello.of("client", "cde-test"), new TunnelOptions())
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      Channel ch = t.open(OpenRequest.exec(List.of("sh", "-c", script), null, null)).toCompletionStage()
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      Buffer out = Buffer.buffer();
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.handler(out::appendBuffer);
      ch.exitHandler(exit::complete);
      ch.end();
      ExitStatus status = exit.get(30, TimeUnit.SECONDS);
      return new Result(out.toString(StandardCharsets.UTF_8), status);
    } finally {
      t.close("done");
    }
  }
}
