package dev.cde.bridge.cost.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** One budget as configured: at most {@code amount} ({@code currency}) per {@code period} for {@code scope}. */
public record BudgetRule(BudgetScope scope, BudgetPeriod period, BigDecimal amount, String currency) {
  public BudgetRule {
    if (amount.signum() < 0) {
      throw new IllegalArgumentException("budget " + scope + ": amount must not be negative, not "
          + amount.toPlainString());
    }
  }

  /** What {@code spends} add up to within the period that holds {@code now}, exactly (no rounding). */
  public BigDecimal spent(List<Spend> spends, Instant now) {
    Instant from = period.start(now);
    Instant to = period.end(now);
    BigDecimal sum = BigDecimal.ZERO;
    for (Spend s : spends) {
      if (currency.equals(s.currency()) && scope.covers(s.repository()) && !s.at().isBefore(from)
          && s.at().isBefore(to)) {
        sum = sum.add(s.amount());
      }
    }
    return sum;
  }

  /** The verdict for {@code now}: spent when what was spent reached the amount. */
  public BudgetStatus status(List<Spend> spends, Instant now) {
    return new BudgetStatus(this, spent(spends, now), period.end(now));
  }
}
