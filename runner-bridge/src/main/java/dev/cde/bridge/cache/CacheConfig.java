package dev.cde.bridge.cache;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Optional;

/** Where the caches live. Each cache kind (archives, nix, git) has its own mapping under {@code cde.cache.<kind>}. */
@ConfigMapping(prefix = "cde.cache")
public interface CacheConfig {
  /**
   * The NAS directory the caches live in: in production an NFS/NAS volume mounted in the bridge (and read-only
   * in instances); by default {@code <cde.home>/nas}.
   */
  Optional<Path> root();
}
