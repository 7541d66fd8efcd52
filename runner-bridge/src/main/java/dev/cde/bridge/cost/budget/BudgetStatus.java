package dev.cde.bridge.cost.budget;

import java.math.BigDecimal;
import java.time.Instant;

/** A budget's state at one moment: what was spent in its period and when the period ends. */
public record BudgetStatus(BudgetRule rule, BigDecimal spent, Instant resetsAt) {
  /** Spent: a new job would go over, or the last one already went over. */
  public boolean exceeded() {
    return spent.compareTo(rule.amount()) >= 0;
  }

  /** The sentence people read in the job list, the API's problem and the CLI's line. */
  public String message() {
    return "budget " + rule.scope() + " per " + rule.period().label() + " is spent: " + spent.toPlainString() + " of "
        + rule.amount().toPlainString() + " " + rule.currency() + " (UTC " + rule.period().label() + " resets at "
        + resetsAt + ")";
  }
}
