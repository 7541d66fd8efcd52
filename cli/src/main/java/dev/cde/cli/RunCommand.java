package dev.cde.cli;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.ChannelOpenException;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.OpenRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cde run -- CMD}: one command in a fresh session, output streamed, session ended, cost printed. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a command in a new session and stream its output; the session ends with it.")
final class RunCommand extends BridgeCommand implements Callable<Integer> {
  @Mixin
  SizingOptions sizing = new SizingOptions();

  @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Environment variable for the command (repeatable).")
  Map<String, String> environment = new LinkedHashMap<>();

  @Option(names = "--workdir", paramLabel = "DIR", description = "Working directory in the session.")
  String workdir;

  @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments (after --).")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    BridgeClient client = client(true);
    CompletableFuture<Integer> cancel = new CompletableFuture<>();
    AtomicReference<Channel> running = new AtomicReference<>();
    AtomicInteger interrupts = new AtomicInteger();
    Signals.handle("INT", () -> {
      Channel ch = running.get();
      if (interrupts.incrementAndGet() == 1 && ch != null) {
        ch.request(ChannelRequest.signal("INT"));
        err.println("cde: sent SIGINT to the remote command (Ctrl-C again to end the session)");
      } else {
        cancel.complete(ExitCodes.INTERRUPTED);
      }
    });
    Signals.handle("TERM", () -> cancel.complete(ExitCodes.TERMINATED));
    Signals.handle("HUP", () -> cancel.complete(129));

    SessionLease lease = SessionLease.create(client, sizing.toSpec(), cancel);
    String how = "setup failed";
    try (TunnelConnector tunnels = connector(client)) {
      TunnelSession tunnel = tunnels.connect(lease.id());
      // the command is the session's job: its start and end go to the cost report (docs/costs.md); the start is
      // told before the command starts, so the job's time covers all of it
      mark(client::jobStarted, lease.id(), "start");
      Channel ch;
      try {
        // logged: the bridge keeps the command's output as the session's log (cde logs, the dashboard)
        ch = TunnelConnector.await(tunnel.open(OpenRequest.exec(command,
            environment.isEmpty() ? null : environment, workdir).logged()), 60);
      } catch (ChannelOpenException e) {
        how = "command not started";
        throw new CliException(ExitCodes.COMMAND_NOT_STARTED, "cannot run " + command.get(0) + ": " + e.getMessage());
      }
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.handler(b -> write(OUT, b));
      ch.errHandler(b -> write(ERR, b));
      ch.exitHandler(exit::complete);
      ch.closeHandler(reason -> exit.completeExceptionally(new CliException(ExitCodes.INTERNAL,
          "the connection to " + lease.id() + " closed before the command exited: " + reason)));
      running.set(ch);
      StdinPump.start(ch, true);
      how = "connection lost";
      CommandOutcome outcome = CommandOutcome.await(exit, cancel);
      how = outcome.description();
      mark(client::jobEnded, lease.id(), "end");
      return outcome.exitCode();
    } finally {
      lease.end(how, err);
    }
  }

  /** Best effort: a bridge that cannot record the job's times still runs the command; the report then says less. */
  private void mark(java.util.function.Function<String, ?> call, String id, String what) {
    try {
      call.apply(id);
    } catch (RuntimeException e) {
      err.println("cde: could not record the job's " + what + " for the cost report: " + e.getMessage());
    }
  }
}
