package dev.cde.bridge.provider;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the agent's JVM is started, wherever it runs: the local provider builds this command line itself, and
 * the function image's {@code ENTRYPOINT} is the same command (checked by {@code ContainerfileTest}), so
 * every provider that launches the image gets it too.
 */
public final class AgentJvm {
  /**
   * Start-up time and a small footprint: the agent is short-lived and mostly idle. No heap flag on purpose:
   * left alone, the JVM keeps its heap under the compressed-oops limit even on a machine with hundreds of
   * GiB, which the class-data archive needs; {@code -XX:MaxRAMPercentage}, {@code -XX:MaxRAM} or an
   * {@code -Xmx} of 32g and more turn compressed oops off there and the archive is ignored (function-image/README.md).
   */
  public static final List<String> FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k");

  private AgentJvm() {
  }

  /**
   * Use the class-data archive when it fits this JVM, silently start without it when it does not (an archive
   * made by another JVM build costs speed, never correctness).
   */
  public static List<String> archiveFlags(Path archive) {
    return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
  }

  /** {@code java FLAGS [archive flags] -jar agentJar}; {@code archive} may be null. */
  public static List<String> command(String java, Path agentJar, Path archive) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(FLAGS);
    if (archive != null) {
      cmd.addAll(archiveFlags(archive));
    }
    cmd.addAll(List.of("-jar", agentJar.toString()));
    return cmd;
  }

  /** Where the archive of a jar is kept: next to it, {@code cde-agent.jar} → {@code cde-agent.jsa}. */
  public static Path archiveOf(Path agentJar) {
    return agentJar.resolveSibling(agentJar.getFileName().toString().replaceFirst("\\.jar$", "") + ".jsa");
  }
}
