package dev.cde.bridge.cost;

import java.time.Duration;

/**
 * How a provider turns run time into billed time: rounded up to a multiple of {@code granularity}, at least
 * {@code minimum}; {@code coldStartBilled} says whether the time from asking for an instance until it answers counts.
 */
public record BillingRule(Duration granularity, Duration minimum, boolean coldStartBilled) {
  public BillingRule {
    if (granularity.isNegative() || granularity.isZero()) {
      throw new IllegalArgumentException("granularity must be positive, not " + granularity);
    }
    if (minimum.isNegative()) {
      throw new IllegalArgumentException("minimum must not be negative, not " + minimum);
    }
  }

  /** {@code ran} rounded up to the granularity, then raised to the minimum; nothing ran, nothing billed. */
  public Duration billed(Duration ran) {
    if (ran.isNegative() || ran.isZero()) {
      return Duration.ZERO;
    }
    long step = granularity.toNanos();
    long steps = (ran.toNanos() + step - 1) / step;
    Duration rounded = Duration.ofNanos(Math.multiplyExact(steps, step));
    return rounded.compareTo(minimum) < 0 ? minimum : rounded;
  }
}
