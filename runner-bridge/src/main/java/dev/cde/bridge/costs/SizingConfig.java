package dev.cde.bridge.costs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How much of a job's history the sizing advice reads, and how much it needs (docs/costs.md, "Size recommendation"). */
@ConfigMapping(prefix = "cde.sizing")
public interface SizingConfig {
  /** Runs of a job needed before any size is recommended; fewer, and the advice says how many more. */
  @WithDefault("5")
  int minRuns();

  /** How far back a job's runs count: older runs may have run other code. */
  @WithDefault("30d")
  Duration history();

  /** The newest runs of a job that count, at most; bounds the work per job. */
  @WithDefault("200")
  int maxRuns();
}
