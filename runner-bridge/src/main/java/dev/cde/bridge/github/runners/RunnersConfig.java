package dev.cde.bridge.github.runners;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How the bridge runs GitHub's runner in its instances, and when it gives up on one. */
@ConfigMapping(prefix = "cde.github.runners")
public interface RunnersConfig {
  /**
   * The runner's command inside the instance, as a comma-separated argv. The JIT config reaches it in
   * {@code ACTIONS_RUNNER_INPUT_JITCONFIG}, never on this command line. Tests use a stand-in.
   */
  @WithDefault("/opt/actions-runner/run.sh")
  List<String> command();

  /**
   * The bridge's URL as instances reach it, for the runner's job hooks. Default: the bridge's own port on
   * 127.0.0.1, which only the local provider can reach.
   */
  Optional<String> callbackUrl();

  /** Runners per repository at once; more jobs wait in the queue until one ends. */
  @WithDefault("20")
  int maxPerRepository();

  /** A runner that took no job in this time is ended (its job was cancelled, or another runner took it). */
  @WithDefault("10m")
  Duration pickupTimeout();

  /** How long a runner may go on after GitHub reported its job completed (uploading logs) before it is ended. */
  @WithDefault("30s")
  Duration completedGrace();

  /** Launch attempts per job before it is given up (failed provider, rejected JIT config). */
  @WithDefault("3")
  int maxLaunchAttempts();

  /** How often the reconciler compares GitHub's queue with the bridge's runners. */
  @WithDefault("60s")
  String reconcileEvery();

  /**
   * Delivery and job-event rows older than this are pruned; at least three days are kept whatever this says,
   * because GitHub redelivers (and lists) deliveries that long and a pruned one would be taken as new.
   */
  @WithDefault("14d")
  Duration deliveryRetention();

  /** At most this many failed webhook deliveries are asked for again per reconciler pass (GitHub App only). */
  @WithDefault("10")
  int maxRedeliveriesPerPass();
}
