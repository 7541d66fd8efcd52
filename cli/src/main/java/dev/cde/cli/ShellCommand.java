package dev.cde.cli;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.ChannelOpenException;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.OpenRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cde shell}: an interactive terminal in a new session, or attached to an existing session's terminal. */
@Command(name = "shell", mixinStandardHelpOptions = true,
    description = {"Open an interactive shell in a new session (ended when the shell exits),",
        "or join the newest terminal of an existing session with --attach (read-only unless --write)."})
final class ShellCommand extends BridgeCommand implements Callable<Integer> {
  /** A login shell: bash where the image has it. */
  static final List<String> DEFAULT_SHELL = List.of("sh", "-c",
      "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi");

  @Spec
  CommandSpec spec;

  @Mixin
  SizingOptions sizing = new SizingOptions();

  @Option(names = "--attach", paramLabel = "SESSION", description = "Join this session's newest terminal; the session is not ended.")
  String attach;

  @Option(names = "--write", description = "With --attach: type into the shared terminal too.")
  boolean write;

  @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "Program to run instead of a login shell.")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    if (write && attach == null) {
      throw new ParameterException(spec.commandLine(), "--write needs --attach SESSION");
    }
    if (attach != null && command != null && !command.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--attach joins a running terminal: give no COMMAND");
    }
    boolean interactiveInput = attach == null || write;
    BridgeClient client = client(attach == null);
    CompletableFuture<Integer> cancel = new CompletableFuture<>();
    // In raw mode Ctrl-C is a byte for the remote shell; a SIGINT here comes from elsewhere (or a
    // read-only viewer's cooked terminal) and means: leave.
    Signals.handle("INT", () -> cancel.complete(attach != null ? ExitCodes.OK : ExitCodes.INTERRUPTED));
    Signals.handle("TERM", () -> cancel.complete(ExitCodes.TERMINATED));
    Signals.handle("HUP", () -> cancel.complete(129));

    SessionLease lease = attach != null ? SessionLease.borrow(client, attach)
        : SessionLease.create(client, sizing.toSpec(), cancel);
    Terminal terminal = new Terminal();
    Thread restoreOnExit = new Thread(terminal::restore, "cde-restore-terminal");
    Runtime.getRuntime().addShutdownHook(restoreOnExit);
    String how = "setup failed";
    try (TunnelConnector tunnels = connector(client)) {
      TunnelSession tunnel = tunnels.connect(lease.id());
      int[] size = Terminal.size();
      String term = env.term();
      OpenRequest open = attach != null ? OpenRequest.attach(null, write)
          : OpenRequest.pty(command == null || command.isEmpty() ? DEFAULT_SHELL : command, Map.of(), size[0], size[1], term);
      Channel ch;
      try {
        ch = TunnelConnector.await(tunnel.open(open), 60);
      } catch (ChannelOpenException e) {
        how = "no terminal";
        throw new CliException(attach != null ? ExitCodes.NOT_FOUND : ExitCodes.COMMAND_NOT_STARTED,
            (attach != null ? "cannot attach to " : "cannot start a shell in ") + lease.id() + ": " + e.getMessage());
      }
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      ch.handler(b -> write(OUT, b));
      ch.errHandler(b -> write(ERR, b));
      ch.exitHandler(exit::complete);
      ch.closeHandler(reason -> exit.completeExceptionally(new CliException(ExitCodes.INTERNAL,
          "the terminal closed: " + reason)));
      if (Terminal.interactive()) {
        if (interactiveInput) {
          terminal.enterRaw();
        } else {
          terminal.enterQuiet();
        }
      }
      if (attach == null || write) {
        Signals.handle("WINCH", () -> {
          int[] s = Terminal.size();
          ch.request(ChannelRequest.resize(s[0], s[1]));
        });
      }
      if (interactiveInput) {
        StdinPump.start(ch, true);
      }
      how = "connection lost";
      CommandOutcome outcome = CommandOutcome.await(exit, cancel);
      how = outcome.description();
      return outcome.exitCode();
    } finally {
      terminal.restore();
      lease.end(how, err);
    }
  }
}
