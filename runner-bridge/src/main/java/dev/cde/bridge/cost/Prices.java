package dev.cde.bridge.cost;

import dev.cde.bridge.provider.ProviderConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The price tables the bridge bills with, loaded and checked at startup: a bad prices file or an unknown table
 * stops the bridge with a message naming the file and field, rather than pricing jobs wrongly.
 */
@Startup
@ApplicationScoped
public class Prices {
  private static final Logger LOG = Logger.getLogger(Prices.class);
  private final PriceBook book;
  private final PriceTable active;

  @Inject
  public Prices(CostConfig config, ProviderConfig provider) {
    this(PriceFiles.load(config.pricesFile()), config.provider().orElse(provider.name()), config.region().orElse(null),
        config.provider().isEmpty() && config.region().isEmpty());
  }

  /** A table asked for by name must exist. */
  public Prices(PriceBook book, String provider, String region) {
    this(book, provider, region, false);
  }

  /**
   * With {@code implicit} (the table was not named, only the provider is known), a provider without a table is
   * billed at zero with a warning, so that a new provider runs before its prices are written down.
   */
  Prices(PriceBook book, String provider, String region, boolean implicit) {
    this.book = book;
    var table = book.table(provider, region);
    String known = "known tables: " + String.join(", ", book.keys()) + ". Add one in cde.cost.prices-file"
        + " (docs/costs.md).";
    if (table.isEmpty() && implicit) {
      LOG.warnf("prices: no price table for provider %s; its sessions cost 0 until cde.cost.provider names one; %s",
          provider, known);
      this.active = unpriced(provider);
    } else {
      this.active = table.orElseThrow(() -> new IllegalStateException("no price table " + provider
          + (region == null ? "" : "/" + region) + " (cde.cost.provider, cde.cost.region); " + known));
    }
    LOG.infof("prices: table %s (%s), %s, granularity %s, minimum %s, cold start %s; source %s, checked %s",
        active.key(), active.title(), active.currency(), active.billing().granularity(), active.billing().minimum(),
        active.billing().coldStartBilled() ? "billed" : "not billed", active.source(), active.checked());
  }

  private static PriceTable unpriced(String provider) {
    java.math.BigDecimal zero = java.math.BigDecimal.ZERO;
    return new PriceTable(provider, "unpriced", provider + " (no price table)", "USD", zero, zero, java.util.Map.of(),
        zero, new BillingRule(java.time.Duration.ofSeconds(1), java.time.Duration.ZERO, true), "none", null, null,
        "No price table for this provider: its sessions cost 0. Set cde.cost.provider or add a table in"
            + " cde.cost.prices-file (docs/costs.md).");
  }

  public PriceBook book() {
    return book;
  }

  /** The table sessions are billed with. */
  public PriceTable active() {
    return active;
  }
}
