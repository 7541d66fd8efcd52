package dev.cde.bridge.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "cde.session")
public interface SessionConfig {
  /** Template of a session created without one. */
  @WithDefault("default")
  String defaultTemplate();

  /** vCPUs of a session created without {@code cpu}. */
  @WithDefault("1")
  double defaultCpu();

  /** Memory of a session created without {@code memory} ({@code 512m}, {@code 4g} or MiB). */
  @WithDefault("2g")
  String defaultMemory();

  /** Lifetime of a session created without {@code maxDuration} ({@code 90s}, {@code 30m}, {@code 2h}). */
  @WithDefault("1h")
  String defaultMaxDuration();

  /** How long an agent stays up without a bridge connected ({@code CDE_IDLE_TIMEOUT_SECONDS}). */
  @WithDefault("10m")
  Duration agentIdleTimeout();

  /**
   * How long an agent keeps a running job's channels after its tunnel dropped, while the bridge re-dials to
   * resume it ({@code CDE_RESUME_GRACE_SECONDS}); past it the session fails ("tunnel lost for more than ...").
   */
  @WithDefault("60s")
  Duration resumeGrace();

  /** How long the first tunnel connection to a launched instance may take. */
  @WithDefault("60s")
  Duration connectTimeout();

  /** How often the session reconciler compares sessions with their instances. */
  @WithDefault("5s")
  String reconcileEvery();

  /** The longest {@code POST /api/v1/sessions?wait=true} blocks. */
  @WithDefault("60s")
  Duration waitTimeout();
}
