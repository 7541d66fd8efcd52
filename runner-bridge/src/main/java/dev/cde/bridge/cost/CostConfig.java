package dev.cde.bridge.cost;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Optional;

/** Which prices the bridge bills with (docs/costs.md). */
@ConfigMapping(prefix = "cde.cost")
public interface CostConfig {
  /** A YAML file merged over the shipped tables ({@code prices/prices.yaml}); same layout, only what changes. */
  Optional<Path> pricesFile();

  /** The price table to bill with; default: the one named like the active provider ({@code cde.provider.name}). */
  Optional<String> provider();

  /** The region of that table; default: the table's {@code default-region}. */
  Optional<String> region();
}
