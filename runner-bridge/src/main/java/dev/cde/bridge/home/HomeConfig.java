package dev.cde.bridge.home;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** Where the bridge keeps everything it writes. Environment: {@code CDE_HOME}. */
@ConfigMapping(prefix = "cde")
public interface HomeConfig {
  /** The data directory. */
  @WithDefault("${user.home}/.cde")
  Path home();

  /**
   * The source checkout, where the local provider looks for a freshly built agent jar. It has to be
   * declared here: a mapping with prefix {@code cde} rejects {@code cde.*} keys it does not know.
   */
  java.util.Optional<Path> root();
}
