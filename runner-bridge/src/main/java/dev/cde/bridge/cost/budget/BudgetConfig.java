package dev.cde.bridge.cost.budget;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** Budgets and the per-job cap (docs/costs.md, "Budgets and caps"). Nothing is limited unless configured. */
@ConfigMapping(prefix = "cde.budgets")
public interface BudgetConfig {
  /** What a new job meets when a budget is spent: {@code wait} (stays queued) or {@code refuse}. */
  @WithDefault("wait")
  Policy policy();

  /**
   * The currency of every amount here. One for all: the bridge bills with one price table at a time, and its
   * currency must be this one (checked at startup); sessions recorded in another currency are not counted.
   */
  @WithDefault("USD")
  String currency();

  /** {@code cde.budgets.rules[0].scope=repo:octo/app}, {@code .period=day}, {@code .amount=25}. */
  Optional<List<Rule>> rules();

  /** The most one session may cost; unset: no cap. */
  Optional<BigDecimal> jobCap();

  /** Caps for some repositories or owners, over {@code job-cap}; the most specific scope wins. */
  Optional<List<Cap>> jobCaps();

  /** How often running sessions' cost so far is compared with their cap. */
  @WithDefault("5s")
  String checkEvery();

  /** What happens to a new job while a budget it falls under is spent. */
  enum Policy { WAIT, REFUSE }

  /** One budget: {@code scope} {@code repo:owner/name}, {@code org:owner} or {@code *}. */
  interface Rule {
    String scope();

    BudgetPeriod period();

    BigDecimal amount();
  }

  /** A per-job cap for one scope. */
  interface Cap {
    String scope();

    BigDecimal amount();
  }
}
