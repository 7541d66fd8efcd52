package dev.cde.bridge.cost.budget;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.Map;

/**
 * A bridge with budgets: the local table at 0.01 USD per vCPU-second (budgets/expensive-local.yaml), a daily budget
 * of 0.02 USD for {@code budget.example/spent}, a zero budget for everything under {@code budget.example/zero}, a
 * cap of 0.03 USD for {@code budget.example/capped}, checked every second.
 */
public class BudgetsProfile implements QuarkusTestProfile {
  static final String SPENT = "budget.example/spent";
  static final String CAPPED = "budget.example/capped";

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "cde.cost.prices-file", Path.of("src/test/resources/budgets/expensive-local.yaml").toAbsolutePath().toString(),
        "cde.budgets.rules[0].scope", "repo:" + SPENT,
        "cde.budgets.rules[0].period", "day",
        "cde.budgets.rules[0].amount", "0.02",
        "cde.budgets.rules[1].scope", "org:budget.example/zero",
        "cde.budgets.rules[1].period", "month",
        "cde.budgets.rules[1].amount", "0",
        "cde.budgets.job-caps[0].scope", "repo:" + CAPPED,
        "cde.budgets.job-caps[0].amount", "0.03",
        "cde.budgets.check-every", "1s");
  }
}
