package dev.cde.bridge.auth;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

@ConfigMapping(prefix = "cde.auth")
public interface AuthConfig {
  /** The API token; when unset it is generated once and kept in {@code <cde.home>/api-token}. */
  Optional<String> token();
}
