package dev.cde.agent;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;

/**
 * Entry point of the in-instance agent. Kept free of frameworks so the JVM is serving within a few
 * hundred milliseconds of exec (docs/benchmarks.md, "agent start").
 */
public final class AgentMain {
  public static final String VERSION = "0.1.0";

  private AgentMain() {}

  public static void main(String[] args) {
    if (args.length == 1 && args[0].equals("--cds-training")) {
      CdsTraining.run();
      return;
    }
    AgentConfig config;
    try {
      config = AgentConfig.fromEnv(System.getenv());
    } catch (AgentConfig.ConfigException e) {
      System.err.println("cde-agent: " + e.getMessage());
      System.exit(2);
      return;
    }
    // nvidia-smi can take a while; the HTTP server must not wait for it.
    CompletableFuture<dev.cde.tunnel.message.Hello> hello =
        CompletableFuture.supplyAsync(() -> InstanceInfo.hello(config.sessionId()));
    AgentServer server = new AgentServer(config, hello);
    if (config.dialsOut()) {
      System.out.println("cde-agent " + VERSION + " dialing out to " + config.dialOutUrl().getHost() + " (pid "
          + ProcessHandle.current().pid() + ")");
      System.out.flush();
      server.dialOut();
      return;
    }
    server.start().onComplete(ar -> {
      if (ar.failed()) {
        System.err.println("cde-agent: cannot listen on " + config.bind() + ":" + config.port() + ": "
            + ar.cause().getMessage());
        System.exit(3);
      }
      long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
      System.out.println("cde-agent " + VERSION + " ready on " + config.bind() + ":" + ar.result()
          + " after " + uptime + " ms (pid " + ProcessHandle.current().pid() + ")");
      System.out.flush();
    });
  }
}
