package dev.cde.bridge.cache.archive;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The keyed archive cache: how much each repository may keep, and for how long an unused entry stays. */
@ConfigMapping(prefix = "cde.cache.archives")
public interface ArchivesConfig {
  /** Bytes one repository's archives may take on the NAS before the least recently used go (GitHub's own is 10 GiB). */
  @WithDefault("10g")
  String quota();

  /** An entry not restored (nor saved) for this long is removed, whatever the quota. */
  @WithDefault("168h")
  Duration maxAge();

  /** How often eviction and the sweep of abandoned uploads run. */
  @WithDefault("10m")
  Duration sweepEvery();

  /** An upload whose temp file has not changed for this long was abandoned; its temp file is removed. */
  @WithDefault("6h")
  Duration abandonedUploadAfter();
}
