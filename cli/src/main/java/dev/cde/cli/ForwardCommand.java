package dev.cde.cli;

import dev.cde.tunnel.Pipes;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cde forward 2222:22}: local ports on 127.0.0.1 reaching ports inside a session, one tcp channel per connection. */
@Command(name = "forward", mixinStandardHelpOptions = true,
    description = {"Forward 127.0.0.1:LOCAL to port REMOTE inside a session until Ctrl-C.",
        "Without --session, a new session is created and ended when forwarding stops."})
final class ForwardCommand extends BridgeCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "LOCAL:REMOTE", converter = PortMapping.Converter.class,
      description = "Ports to forward; LOCAL 0 picks a free port.")
  List<PortMapping> mappings;

  @Option(names = "--session", paramLabel = "ID", description = "Use this running session (not ended afterwards).")
  String session;

  @Mixin
  SizingOptions sizing = new SizingOptions();

  @Override
  public Integer call() throws Exception {
    BridgeClient client = client(session == null);
    CompletableFuture<Integer> cancel = new CompletableFuture<>();
    Signals.handle("INT", () -> cancel.complete(ExitCodes.OK));
    Signals.handle("TERM", () -> cancel.complete(ExitCodes.OK));
    Signals.handle("HUP", () -> cancel.complete(ExitCodes.OK));

    SessionLease lease = session != null ? SessionLease.borrow(client, session)
        : SessionLease.create(client, sizing.toSpec(), cancel);
    String how = "forwarding stopped";
    try (TunnelConnector tunnels = connector(client)) {
      TunnelSession tunnel = tunnels.connect(lease.id());
      List<NetServer> servers = new ArrayList<>();
      for (PortMapping m : mappings) {
        NetServer server = tunnels.vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
        server.connectHandler(socket -> {
          socket.pause(); // hold the client's first bytes until the remote end is there
          tunnel.open(OpenRequest.tcp("127.0.0.1", m.remote())).onComplete(ar -> {
            if (ar.succeeded()) {
              Pipes.join(ar.result(), socket);
              socket.resume();
            } else {
              err.println("cde: " + lease.id() + ":" + m.remote() + " refused a connection from "
                  + socket.remoteAddress() + ": " + TunnelConnector.describe(ar.cause()));
              socket.close();
            }
          });
        });
        try {
          TunnelConnector.await(server.listen(m.local(), "127.0.0.1"), 30);
        } catch (Exception e) {
          throw new CliException(ExitCodes.INTERNAL, "cannot listen on 127.0.0.1:" + m.local() + ": " + e.getMessage());
        }
        servers.add(server);
        err.println("cde: forwarding 127.0.0.1:" + server.actualPort() + " -> " + lease.id() + ":" + m.remote()
            + " (Ctrl-C to stop)");
      }
      CompletableFuture<String> lost = new CompletableFuture<>();
      tunnel.closed().onComplete(ar -> lost.complete(ar.succeeded() ? ar.result() : String.valueOf(ar.cause())));
      CompletableFuture.anyOf(cancel, lost).join();
      servers.forEach(NetServer::close);
      if (!cancel.isDone()) {
        how = "tunnel lost";
        throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "the tunnel to " + lease.id() + " closed: " + lost.join());
      }
      tunnel.close("forwarding stopped");
      return cancel.join();
    } finally {
      lease.end(how, err);
    }
  }
}
