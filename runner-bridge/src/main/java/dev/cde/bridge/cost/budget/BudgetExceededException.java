package dev.cde.bridge.cost.budget;

import dev.cde.bridge.problem.ApiException;

/**
 * A new session refused because a budget it falls under is spent: 402 Payment Required, the status whose meaning
 * is "not until it is paid for", with the budget, what was spent and the limit in its detail.
 */
public class BudgetExceededException extends ApiException {
  public BudgetExceededException(BudgetStatus status) {
    super(402, "Budget exceeded", status.message());
  }
}
