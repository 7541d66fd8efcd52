package dev.cde.bridge.cache.git;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Git mirrors on the NAS ({@code <cde.cache.root>/git}); see docs/caching.md, "git mirrors". */
@ConfigMapping(prefix = "cde.cache.git")
public interface GitMirrorConfig {
  /** Whether the bridge keeps mirrors at all; off, jobs fetch everything from their forge as before. */
  @WithDefault("true")
  boolean enabled();

  /** The longest one clone or fetch may take (jgit's transport timeout is derived from it). */
  @WithDefault("10m")
  Duration refreshTimeout();

  /**
   * How long a GitHub runner's launch, or a GitLab job's prepare, waits for its mirror's refresh. A refresh that
   * takes longer goes on in the background and the job fetches what the mirror does not have yet from its forge.
   */
  @WithDefault("30s")
  Duration jobWait();
}
