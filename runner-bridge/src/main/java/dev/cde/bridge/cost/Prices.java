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
    this(PriceFiles.load(config.pricesFile()), config.provider().orElse(provider.name()), config.region().orElse(null));
  }

  public Prices(PriceBook book, String provider, String region) {
    this.book = book;
    this.active = book.table(provider, region).orElseThrow(() -> new IllegalStateException("no price table "
        + provider + (region == null ? "" : "/" + region) + " (cde.cost.provider, cde.cost.region); known tables: "
        + String.join(", ", book.keys()) + ". Add one in cde.cost.prices-file (docs/costs.md)."));
    LOG.infof("prices: table %s (%s), %s, granularity %s, minimum %s, cold start %s; source %s, checked %s",
        active.key(), active.title(), active.currency(), active.billing().granularity(), active.billing().minimum(),
        active.billing().coldStartBilled() ? "billed" : "not billed", active.source(), active.checked());
  }

  public PriceBook book() {
    return book;
  }

  /** The table sessions are billed with. */
  public PriceTable active() {
    return active;
  }
}
