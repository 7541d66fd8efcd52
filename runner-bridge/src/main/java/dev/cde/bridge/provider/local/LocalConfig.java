package dev.cde.bridge.provider.local;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "cde.local")
public interface LocalConfig {
  /** The agent jar; default: {@code function-image/agent/target/cde-agent.jar} under {@code cde.root} or the working directory (or up to 3 parents). */
  Optional<Path> agentJar();

  /** Replaces the whole {@code java ... -jar <agent-jar>} command (for stand-ins); {@code $PORT} is in its environment. */
  Optional<List<String>> agentCommand();

  /** {@code auto}: bubblewrap when it works, else a plain process with a warning; {@code bwrap}: required; {@code none}: never. */
  @WithDefault("auto")
  SandboxMode sandbox();

  /** How long the agent may take until its port accepts connections. */
  @WithDefault("20s")
  Duration startTimeout();

  /**
   * Agents starting at once; more launches wait their turn, and the start timeout counts from a launch's turn.
   * Default: twice the bridge host's CPUs. Every local instance starts a JVM on the bridge's own CPUs: started all
   * at once (a burst of queued jobs) none reaches its port within the timeout, and the retries make it worse.
   */
  java.util.OptionalInt maxStarting();

  /**
   * The agent dials the bridge ({@code CDE_DIAL_OUT_URL}) instead of listening on a loopback port: the path AWS
   * Lambda instances take, run locally (docs/agent.md, "Dial-out").
   */
  @WithDefault("false")
  boolean dialOut();

  enum SandboxMode {
    AUTO, BWRAP, NONE
  }
}
