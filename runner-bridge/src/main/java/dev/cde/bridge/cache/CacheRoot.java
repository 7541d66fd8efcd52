package dev.cde.bridge.cache;

import dev.cde.bridge.home.BridgeHome;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The NAS root, resolved once; each cache kind works in its own subdirectory of it. */
@ApplicationScoped
public class CacheRoot {
  private final Path root;

  public CacheRoot(CacheConfig config, BridgeHome home) {
    this.root = config.root().map(p -> p.toAbsolutePath().normalize()).orElseGet(home::nas);
  }

  public Path root() {
    return root;
  }

  /** {@code <root>/<kind>}, created on first use. */
  public Path dir(String kind) {
    try {
      return Files.createDirectories(root.resolve(kind));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the cache directory " + root.resolve(kind), e);
    }
  }
}
