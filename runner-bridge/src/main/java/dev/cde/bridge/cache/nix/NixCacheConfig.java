package dev.cde.bridge.cache.nix;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** The nix binary cache on the NAS ({@code <cde.cache.root>/nix}); see docs/caching.md. */
@ConfigMapping(prefix = "cde.cache.nix")
public interface NixCacheConfig {
  /** The secret key in nix's {@code name:base64} format; made on first start if missing. */
  Optional<Path> keyFile();

  /** The name of a key the bridge makes itself (the part before ':' in trusted-public-keys). */
  @WithDefault("cde-bridge-1")
  String keyName();

  /** nix-cache-info's Priority: lower wins; cache.nixos.org has 40, so instances ask the NAS first. */
  @WithDefault("30")
  int priority();

  /** The largest NAR one push may upload. */
  @WithDefault("8G")
  MemorySize maxNarSize();

  /**
   * The NARs kept on the NAS; above it the oldest pushes go first, each with every path that refers to it
   * (docs/caching.md, "Eviction").
   */
  @WithDefault("50G")
  MemorySize quota();

  /** A path pushed longer ago than this is removed (with what refers to it), whatever the quota. */
  @WithDefault("720h")
  java.time.Duration maxAge();

  /** How often eviction runs. */
  @WithDefault("10m")
  java.time.Duration sweepEvery();

  /** How instances reach the bridge to push; by default where they call it back (cde.github.runners.callback-url). */
  Optional<String> pushUrl();
}
