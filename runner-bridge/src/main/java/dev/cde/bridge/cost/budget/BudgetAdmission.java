package dev.cde.bridge.cost.budget;

import dev.cde.bridge.session.SessionAdmission;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Refuses API sessions ({@code cde run}, {@code cde shell}, the GitLab executor's prepare) while a budget covering
 * them is spent, whatever {@code cde.budgets.policy}: such a caller has no queue to wait in (a person at a terminal, a
 * GitLab job holding its runner's slot), so an answer now is better than a hang.
 */
@ApplicationScoped
public class BudgetAdmission implements SessionAdmission {
  private final Budgets budgets;

  public BudgetAdmission(Budgets budgets) {
    this.budgets = budgets;
  }

  @Override
  public void admit(String repository) {
    budgets.exceeded(repository).ifPresent(s -> {
      throw new BudgetExceededException(s);
    });
  }
}
