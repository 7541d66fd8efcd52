package dev.cde.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The packaged bridge of this checkout ({@code runner-bridge/target/quarkus-app}), started by {@code cde up} or on demand. */
public final class EmbeddedBridge {
  static final String JAR = "runner-bridge/target/quarkus-app/quarkus-run.jar";

  private EmbeddedBridge() {}

  /** The checkout the launcher runs from ({@code -Dcde.root}), else the working directory. */
  static Path root() {
    return Path.of(System.getProperty("cde.root", ".")).toAbsolutePath().normalize();
  }

  static Path jar() {
    Path jar = root().resolve(JAR);
    if (!Files.isRegularFile(jar)) {
      throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "the bridge is not built: " + jar + " is missing (build it with `"
          + root().resolve("mvnw") + " -q -B -DskipTests install`, or run ./cde, which builds on first use)");
    }
    return jar;
  }

  /** The JVM running us, so that the bridge runs on the same Java the user chose. */
  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  static List<String> command(Integer port) {
    List<String> cmd = new ArrayList<>(List.of(java()));
    if (port != null) {
      cmd.add("-Dquarkus.http.port=" + port);
    }
    cmd.add("-jar");
    cmd.add(jar().toString());
    return cmd;
  }

  /**
   * Makes sure a bridge answers at the configured URL: if none does and the URL is this machine's,
   * starts the embedded one in the background (it outlives this command) and waits for its health.
   */
  static void ensureRunning(CliEnv env, BridgeClient client, PrintStream err) {
    if (client.healthy()) {
      return;
    }
    if (!env.bridgeIsLocal()) {
      throw BridgeClient.unreachable(client.base());
    }
    List<String> cmd = command(env.bridgePort());
    if (new File("/usr/bin/setsid").canExecute() || new File("/bin/setsid").canExecute()) {
      cmd.add(0, "setsid"); // its own session: a Ctrl-C meant for `cde run` must not stop the shared bridge
    }
    Path home = env.home();
    Path log = home.resolve("bridge.log");
    Process p;
    try {
      Files.createDirectories(home);
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectErrorStream(true);
      pb.environment().put("CDE_HOME", home.toString());
      err.println("cde: starting the embedded bridge (log: " + log + ")");
      err.flush();
      p = pb.start();
    } catch (IOException e) {
      throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "cannot start the embedded bridge: " + e.getMessage());
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (client.healthy()) {
        return;
      }
      if (!p.isAlive() && p.exitValue() != 0) {
        throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "the embedded bridge exited with code " + p.exitValue()
            + " (see " + log + ")");
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
      }
    }
    throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "the embedded bridge did not become healthy within 60 s (see " + log + ")");
  }
}
