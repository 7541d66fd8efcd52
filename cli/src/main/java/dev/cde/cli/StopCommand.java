package dev.cde.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cde stop ID}: ends a session and prints what it cost. */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "End a session and print its cost.")
final class StopCommand extends BridgeCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The session to end.")
  String id;

  @Override
  public Integer call() {
    SessionView ended = new SessionView(client(false).endSession(id));
    err.println(CostLine.format(ended, id, "stopped"));
    return ExitCodes.OK;
  }
}
