package dev.cde.bench;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a shell script in a fresh session that has a cache scope, the way a GitLab job's script runs: created
 * through the API with {@code cacheScope}, the script on an exec channel relayed by the bridge (which adds the
 * session's {@code CDE_CACHE_TOKEN} and {@code CDE_CALLBACK_URL}). bench/cache.sh uses it to obtain a session's
 * cache token from its own throwaway bridge.
 * Usage: InSession BRIDGE_URL API_TOKEN_FILE REPOSITORY SCRIPT_FILE
 */
public final class InSession {
  private InSession() {}

  public static void main(String[] args) throws Exception {
    String bridge = args[0].replaceAll("/+$", "");
    String token = Files.readString(Path.of(args[1])).strip();
    String script = Files.readString(Path.of(args[3]));
    HttpClient http = HttpClient.newHttpClient();
    String body = Json.MAPPER.createObjectNode().put("cpu", 2).put("memory", "4g").put("maxDuration", "2h")
        .set("cacheScope", Json.MAPPER.createObjectNode().put("repository", args[2]).put("ref", "refs/heads/main")
            .put("defaultRef", "refs/heads/main")).toString();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(bridge + "/api/v1/sessions?wait=true"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    String id = Json.MAPPER.readTree(r.body()).path("id").asText();
    if (r.statusCode() != 201 || id.isEmpty()) {
      throw new IllegalStateException("no session: " + r.statusCode() + " " + r.body());
    }
    Vertx vertx = Vertx.vertx();
    int code;
    try {
      TunnelSession tunnel = TunnelClient.connect(vertx, TunnelClient.httpClient(vertx),
          URI.create(bridge.replaceFirst("^http", "ws") + "/api/v1/sessions/" + id + "/tunnel"),
          Map.of("Authorization", "Bearer " + token), Hello.of("client", "cde-bench"), new TunnelOptions())
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      Channel ch = tunnel.open(OpenRequest.exec(List.of("bash", "-c", script), null, null))
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      CompletableFuture<Integer> exit = new CompletableFuture<>();
      ch.handler(b -> System.out.print(b.toString()));
      ch.errHandler(b -> System.err.print(b.toString()));
      ch.exitHandler(s -> exit.complete(s.code() == null ? 125 : s.code()));
      code = exit.get(5, TimeUnit.MINUTES);
      Thread.sleep(200);
      System.out.flush();
      tunnel.close("done");
    } finally {
      vertx.close();
    }
    System.exit(code);
  }
}
