package dev.cde.bridge.cost;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every price table, by provider and region, and GitHub's runner prices. {@code defaultRegions} names the region
 * used for a provider when {@code cde.cost.region} does not say.
 */
public record PriceBook(Map<String, Map<String, PriceTable>> tables, Map<String, String> defaultRegions,
    GithubHostedPrices githubHosted) {
  public PriceBook {
    tables = new TreeMap<>(tables);
    defaultRegions = Map.copyOf(defaultRegions);
  }

  /** The table of {@code provider} in {@code region}, or its default region when {@code region} is null. */
  public Optional<PriceTable> table(String provider, String region) {
    Map<String, PriceTable> regions = tables.get(provider);
    if (regions == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(regions.get(region != null ? region : defaultRegions.get(provider)));
  }

  /** {@code provider/region} for every table, for error messages. */
  public List<String> keys() {
    return tables.values().stream().flatMap(r -> r.values().stream()).map(PriceTable::key).sorted().toList();
  }
}
