package dev.cde.bridge.cost.budget;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.Map;

/**
 * A bridge with budgets: the local table at 0.01 USD per vCPU-second (budgets/expensive-local.yaml), a daily budget
 * of 0.02 USD for {@code budget.example/spent-<run>}, a zero budget for everything under {@code budget.example/zero-<run>}, a
 * cap of 0.03 USD for {@code budget.example/capped-<run>}, checked every second.
 */
public class BudgetsProfile implements QuarkusTestProfile {
  // fresh names each run: the test database outlives a run, and a budget spent by the last run today would still count
  // (kept in a system property: Quarkus loads the profile and the test class in different class loaders, each with
  // its own statics, and both must name the same repositories)
  static final String RUN = run("budget-tests.run");
  static final String SPENT = "budget.example/spent-" + RUN;
  static final String CAPPED = "budget.example/capped-" + RUN;
  static final String ZERO = "budget.example/zero-" + RUN;

  /** One random name per JVM under {@code property}, the same in every class loader. */
  public static String run(String property) {
    return (String) System.getProperties().computeIfAbsent(property,
        k -> Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 40), 36));
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "cde.cost.prices-file", Path.of("src/test/resources/budgets/expensive-local.yaml").toAbsolutePath().toString(),
        "cde.budgets.rules[0].scope", "repo:" + SPENT,
        "cde.budgets.rules[0].period", "day",
        "cde.budgets.rules[0].amount", "0.02",
        "cde.budgets.rules[1].scope", "org:" + ZERO,
        "cde.budgets.rules[1].period", "month",
        "cde.budgets.rules[1].amount", "0",
        "cde.budgets.job-caps[0].scope", "repo:" + CAPPED,
        "cde.budgets.job-caps[0].amount", "0.03",
        "cde.budgets.check-every", "1s");
  }
}
