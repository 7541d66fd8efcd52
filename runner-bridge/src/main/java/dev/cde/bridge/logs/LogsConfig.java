package dev.cde.bridge.logs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.quarkus.runtime.configuration.MemorySize;

/** Session output kept by the bridge. */
@ConfigMapping(prefix = "cde.logs")
public interface LogsConfig {
  /** The most a session's log may hold; what comes after is dropped, with one line that says so. */
  @WithDefault("64M")
  MemorySize maxBytes();
}
