package dev.cde.agent;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import java.net.URI;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A start, a connection and one exec channel against ourselves, run at build time under
 * {@code -XX:ArchiveClassesAtExit} so the class-data archive holds what a real start loads.
 */
final class CdsTraining {
  private CdsTraining() {}

  static void run() {
    try {
      KeyPair keys = TunnelTokens.generateKeyPair();
      AgentConfig config = new AgentConfig("127.0.0.1", 0, keys.getPublic(), "s-training",
          Duration.ofMinutes(1), Duration.ofMinutes(1), List.of("127.0.0.1"), Duration.ofMinutes(1), null, null);
      AgentServer server = new AgentServer(config, CompletableFuture.completedFuture(InstanceInfo.hello("s-training")));
      int port = server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Vertx client = Vertx.vertx();
      // Resumable, as the bridge dials: the archive then holds the classes of that path too.
      TunnelSession tunnel = TunnelClient.connectResumable(client, TunnelClient.httpClient(client),
          URI.create("ws://127.0.0.1:" + port + "/tunnel"),
          () -> Map.of("Authorization", "Bearer " + TunnelTokens.issue(keys.getPrivate(), "s-training", Duration.ofMinutes(1))),
          Hello.of("training", "cds"), new TunnelOptions()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Channel ch = tunnel.open(OpenRequest.exec(List.of("true"), Map.of(), null))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      CompletableFuture<Object> exited = new CompletableFuture<>();
      ch.handler(b -> { });
      ch.exitHandler(exited::complete);
      exited.get(30, TimeUnit.SECONDS);
      System.out.println("cde-agent: CDS training run done");
      System.exit(0);
    } catch (Exception e) {
      System.err.println("cde-agent: CDS training failed: " + e);
      System.exit(1);
    }
  }
}
