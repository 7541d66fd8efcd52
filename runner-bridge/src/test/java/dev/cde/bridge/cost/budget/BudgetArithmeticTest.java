package dev.cde.bridge.cost.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a budget counts, when its period starts and ends (UTC), and which cap covers a repository. */
class BudgetArithmeticTest {
  static Instant t(String s) {
    return Instant.parse(s);
  }

  static Spend spend(String repo, String at, String amount) {
    return new Spend("s-" + at, repo, t(at), new BigDecimal(amount), "USD");
  }

  static BudgetRule rule(String scope, BudgetPeriod period, String amount) {
    return new BudgetRule(BudgetScope.parse(scope), period, new BigDecimal(amount), "USD");
  }

  @Test
  void aDayStartsAtUtcMidnightAndTheLastMillisecondBeforeItBelongsToTheDayBefore() {
    assertThat(BudgetPeriod.DAY.start(t("2026-12-02T23:59:59.999Z"))).isEqualTo(t("2026-12-02T00:00:00Z"));
    assertThat(BudgetPeriod.DAY.end(t("2026-12-02T23:59:59.999Z"))).isEqualTo(t("2026-12-03T00:00:00Z"));
    assertThat(BudgetPeriod.DAY.start(t("2026-12-03T00:00:00Z"))).isEqualTo(t("2026-12-03T00:00:00Z"));
    assertThat(BudgetPeriod.DAY.end(t("2026-12-31T12:00:00Z"))).isEqualTo(t("2027-01-01T00:00:00Z"));
  }

  @Test
  void aMonthStartsOnItsFirstDayAtUtcMidnightWhateverItsLength() {
    assertThat(BudgetPeriod.MONTH.start(t("2026-12-31T23:59:59.999Z"))).isEqualTo(t("2026-12-01T00:00:00Z"));
    assertThat(BudgetPeriod.MONTH.end(t("2026-12-31T23:59:59.999Z"))).isEqualTo(t("2027-01-01T00:00:00Z"));
    assertThat(BudgetPeriod.MONTH.start(t("2027-01-01T00:00:00Z"))).isEqualTo(t("2027-01-01T00:00:00Z"));
    assertThat(BudgetPeriod.MONTH.end(t("2028-02-29T10:00:00Z"))).isEqualTo(t("2028-03-01T00:00:00Z"));
    assertThat(BudgetPeriod.MONTH.end(t("2027-02-28T10:00:00Z"))).isEqualTo(t("2027-03-01T00:00:00Z"));
  }

  @Test
  void spendIsSummedExactlyWithinThePeriodOnly() {
    BudgetRule daily = rule("repo:octo/app", BudgetPeriod.DAY, "0.3");
    List<Spend> spends = List.of(
        spend("octo/app", "2026-12-01T23:59:59.999Z", "5"), // yesterday: not today's
        spend("octo/app", "2026-12-02T00:00:00Z", "0.1"),
        spend("octo/app", "2026-12-02T13:00:00Z", "0.2"),
        spend("octo/other", "2026-12-02T13:00:00Z", "7"), // another repository
        new Spend("s-cny", "octo/app", t("2026-12-02T14:00:00Z"), new BigDecimal("9"), "CNY")); // another currency
    Instant now = t("2026-12-02T20:00:00Z");
    // 0.1 + 0.2 is 0.3 exactly, and 0.3 of 0.3 is spent: the next job would go over
    assertThat(daily.spent(spends, now)).isEqualByComparingTo("0.3");
    BudgetStatus s = daily.status(spends, now);
    assertThat(s.exceeded()).isTrue();
    assertThat(s.resetsAt()).isEqualTo(t("2026-12-03T00:00:00Z"));
    assertThat(s.message()).isEqualTo("budget repo:octo/app per day is spent: 0.3 of 0.3 USD (UTC day resets at"
        + " 2026-12-03T00:00:00Z)");
    assertThat(rule("repo:octo/app", BudgetPeriod.DAY, "0.300001").status(spends, now).exceeded()).isFalse();
    // the next day starts from nothing; the month counts yesterday too
    assertThat(daily.spent(spends, t("2026-12-03T00:00:00Z"))).isEqualByComparingTo("0");
    assertThat(rule("repo:octo/app", BudgetPeriod.MONTH, "10").spent(spends, now)).isEqualByComparingTo("5.3");
    assertThat(rule("repo:octo/app", BudgetPeriod.MONTH, "10").spent(spends, t("2027-01-01T00:00:00Z")))
        .isEqualByComparingTo("0");
  }

  @Test
  void aZeroBudgetAllowsNothing() {
    assertThat(rule("*", BudgetPeriod.MONTH, "0").status(List.of(), t("2026-12-02T00:00:00Z")).exceeded()).isTrue();
  }

  @Test
  void scopesCoverTheirRepositoriesCaseInsensitivelyAndOwnersAtAnyDepth() {
    assertThat(BudgetScope.parse("repo:Octo/App").covers("octo/app")).isTrue();
    assertThat(BudgetScope.parse("repo:octo/app").covers("octo/app2")).isFalse();
    assertThat(BudgetScope.parse("org:octo").covers("OCTO/app")).isTrue();
    assertThat(BudgetScope.parse("org:octo").covers("octo-cat/app")).isFalse();
    assertThat(BudgetScope.parse("org:gitlab.example.com/group").covers("gitlab.example.com/group/sub/project"))
        .isTrue();
    assertThat(BudgetScope.parse("org:octo").covers(null)).isFalse();
    assertThat(BudgetScope.parse("*").covers(null)).isTrue();
    for (String bad : new String[] {"", "octo/app", "repo:octo", "repo:octo/", "org:", "org:octo/", "all"}) {
      assertThatThrownBy(() -> BudgetScope.parse(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not repo:owner/name, org:owner or *");
    }
    assertThatThrownBy(() -> rule("*", BudgetPeriod.DAY, "-1")).hasMessageContaining("must not be negative");
  }

  @Test
  void theNarrowestCapWinsElseTheDefault() {
    List<Budgets.Cap> caps = List.of(new Budgets.Cap(BudgetScope.parse("*"), new BigDecimal("9")),
        new Budgets.Cap(BudgetScope.parse("org:octo"), new BigDecimal("5")),
        new Budgets.Cap(BudgetScope.parse("repo:octo/big"), new BigDecimal("50")),
        new Budgets.Cap(BudgetScope.parse("org:gitlab.example.com/group/sub"), new BigDecimal("2")),
        new Budgets.Cap(BudgetScope.parse("org:gitlab.example.com/group"), new BigDecimal("3")));
    Optional<BigDecimal> none = Optional.empty();
    assertThat(Budgets.capFor(caps, none, "octo/big")).contains(new BigDecimal("50"));
    assertThat(Budgets.capFor(caps, none, "octo/small")).contains(new BigDecimal("5"));
    assertThat(Budgets.capFor(caps, none, "gitlab.example.com/group/sub/p")).contains(new BigDecimal("2"));
    assertThat(Budgets.capFor(caps, none, "gitlab.example.com/group/p")).contains(new BigDecimal("3"));
    assertThat(Budgets.capFor(caps, none, null)).contains(new BigDecimal("9"));
    assertThat(Budgets.capFor(caps.subList(1, 3), Optional.of(BigDecimal.ONE), "other/x")).contains(BigDecimal.ONE);
    assertThat(Budgets.capFor(caps.subList(1, 3), none, "other/x")).isEmpty();
  }

  @Test
  void aBadBudgetStopsTheBridgeWithTheKeyNamed() {
    var costs = new dev.cde.bridge.session.SessionCosts(null, dev.cde.bridge.cost.PriceFiles.load(Optional.empty())
        .table("local", null).orElseThrow());
    assertThatThrownBy(() -> new Budgets(config(List.of(configRule("*", "1"), configRule("octo/app", "1")), List.of()),
        null, costs)).hasMessage("cde.budgets.rules[1]: scope 'octo/app' is not repo:owner/name, org:owner or *");
    assertThatThrownBy(() -> new Budgets(config(List.of(), List.of(configCap("org:octo", "0"))), null, costs))
        .hasMessage("cde.budgets.job-caps[0]: a cap must be more than 0, not 0");
    Budgets ok = new Budgets(config(List.of(configRule("org:octo", "3")), List.of(configCap("repo:octo/app", "2"))),
        null, costs);
    assertThat(ok.rules()).containsExactly(rule("org:octo", BudgetPeriod.DAY, "3"));
    assertThat(ok.capFor("OCTO/APP")).contains(new BigDecimal("2"));
    assertThat(ok.capFor("octo/other")).isEmpty();
  }

  static BudgetConfig.Rule configRule(String scope, String amount) {
    return new BudgetConfig.Rule() {
      public String scope() {
        return scope;
      }

      public BudgetPeriod period() {
        return BudgetPeriod.DAY;
      }

      public BigDecimal amount() {
        return new BigDecimal(amount);
      }
    };
  }

  static BudgetConfig.Cap configCap(String scope, String amount) {
    return new BudgetConfig.Cap() {
      public String scope() {
        return scope;
      }

      public BigDecimal amount() {
        return new BigDecimal(amount);
      }
    };
  }

  static BudgetConfig config(List<BudgetConfig.Rule> rules, List<BudgetConfig.Cap> caps) {
    return new BudgetConfig() {
      public Policy policy() {
        return Policy.WAIT;
      }

      public String currency() {
        return "USD";
      }

      public Optional<List<Rule>> rules() {
        return Optional.of(rules);
      }

      public Optional<BigDecimal> jobCap() {
        return Optional.empty();
      }

      public Optional<List<Cap>> jobCaps() {
        return Optional.of(caps);
      }

      public String checkEvery() {
        return "5s";
      }
    };
  }
}
