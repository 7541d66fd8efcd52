package dev.cde.bridge.provider;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "cde.provider")
public interface ProviderConfig {
  /** Which provider launches instances ({@code local}: the agent as a sandboxed child process). */
  @WithDefault("local")
  String name();
}
