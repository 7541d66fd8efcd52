package dev.cde.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cde up}: the embedded bridge in the foreground. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start the bridge in the foreground with the embedded defaults (local provider, H2, NAS under $CDE_HOME).")
final class UpCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default: the bridge's own, 8080).")
  Integer port;

  @Override
  public Integer call() throws Exception {
    List<String> cmd = EmbeddedBridge.command(port);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    // Ctrl-C reaches the bridge too (same process group); we only wait for it to finish.
    Signals.handle("INT", () -> { });
    Signals.handle("TERM", p::destroy);
    return p.waitFor();
  }
}
