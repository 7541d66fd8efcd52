package dev.cde.bridge.cost.budget;

import dev.cde.bridge.session.SessionCosts;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The configured budgets and caps, and the answer to "may a job of this repository start now?". Spend is read on
 * every question (a few rows: this period's ended sessions and the running ones), so a raised budget in a restarted
 * bridge, a new period or a session that ended counts at once.
 */
@ApplicationScoped
public class Budgets {
  private static final Logger LOG = Logger.getLogger(Budgets.class);

  private final BudgetConfig config;
  private final SpendLedger ledger;
  private final List<BudgetRule> rules;
  private final List<Cap> caps;
  private final Optional<BigDecimal> defaultCap;
  private final String tableCurrency;
  /** Which period it is; the tests move it to the next day instead of waiting for midnight. */
  private volatile Clock clock = Clock.systemUTC();

  /** One configured cap. */
  public record Cap(BudgetScope scope, BigDecimal amount) {
  }

  public Budgets(BudgetConfig config, SpendLedger ledger, SessionCosts costs) {
    this.config = config;
    this.ledger = ledger;
    this.tableCurrency = costs.table().currency();
    String currency = config.currency();
    // A mistake here stops the bridge at startup with the key named: a budget silently not enforced costs money.
    List<BudgetRule> r = new ArrayList<>();
    List<BudgetConfig.Rule> configured = config.rules().orElse(List.of());
    for (int i = 0; i < configured.size(); i++) {
      BudgetConfig.Rule rule = configured.get(i);
      String key = "cde.budgets.rules[" + i + "]";
      try {
        r.add(new BudgetRule(BudgetScope.parse(rule.scope()), rule.period(), rule.amount(), currency));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
      }
    }
    this.rules = List.copyOf(r);
    List<Cap> c = new ArrayList<>();
    List<BudgetConfig.Cap> configuredCaps = config.jobCaps().orElse(List.of());
    for (int i = 0; i < configuredCaps.size(); i++) {
      String key = "cde.budgets.job-caps[" + i + "]";
      try {
        c.add(new Cap(BudgetScope.parse(configuredCaps.get(i).scope()), positive(key, configuredCaps.get(i).amount())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage().startsWith(key) ? e.getMessage() : key + ": " + e.getMessage(), e);
      }
    }
    this.caps = List.copyOf(c);
    this.defaultCap = config.jobCap().map(a -> positive("cde.budgets.job-cap", a));
  }

  private static BigDecimal positive(String key, BigDecimal amount) {
    if (amount.signum() <= 0) {
      throw new IllegalArgumentException(key + ": a cap must be more than 0, not " + amount.toPlainString());
    }
    return amount;
  }

  /** A budget the bridge could never compare is a configuration mistake: refuse to start rather than not enforce it. */
  void check(@Observes StartupEvent start) {
    if ((!rules.isEmpty() || !caps.isEmpty() || defaultCap.isPresent()) && !config.currency().equals(tableCurrency)) {
      throw new IllegalStateException("cde.budgets.currency is " + config.currency() + " but sessions are billed in "
          + tableCurrency + " (the active price table): set cde.budgets.currency=" + tableCurrency);
    }
    if (!rules.isEmpty() || !caps.isEmpty() || defaultCap.isPresent()) {
      LOG.infof("budgets: %d rule(s), policy %s, job cap %s, %d cap override(s), in %s", rules.size(),
          config.policy().name().toLowerCase(java.util.Locale.ROOT),
          defaultCap.map(BigDecimal::toPlainString).orElse("none"), caps.size(), config.currency());
    }
  }

  public BudgetConfig.Policy policy() {
    return config.policy();
  }

  public List<BudgetRule> rules() {
    return rules;
  }

  /** The first budget covering {@code repository} (null: none known) that is spent now, if any. */
  public Optional<BudgetStatus> exceeded(String repository) {
    List<BudgetRule> applicable = rules.stream().filter(r -> r.scope().covers(repository)).toList();
    if (applicable.isEmpty()) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Instant since = applicable.stream().map(r -> r.period().start(now)).min(Comparator.naturalOrder()).orElseThrow();
    List<Spend> spends = ledger.since(since, Instant.now());
    return applicable.stream().map(r -> r.status(spends, now)).filter(BudgetStatus::exceeded).findFirst();
  }

  /** The most a session of {@code repository} may cost: the narrowest cap covering it, else {@code job-cap}. */
  public Optional<BigDecimal> capFor(String repository) {
    return capFor(caps, defaultCap, repository);
  }

  static Optional<BigDecimal> capFor(List<Cap> caps, Optional<BigDecimal> defaultCap, String repository) {
    return caps.stream().filter(c -> c.scope().covers(repository))
        .max(Comparator.comparingInt(c -> c.scope().specificity())).map(Cap::amount).or(() -> defaultCap);
  }

  public boolean capsConfigured() {
    return defaultCap.isPresent() || !caps.isEmpty();
  }

  public String currency() {
    return config.currency();
  }

  /** For tests: the clock that says which day and month it is. */
  public void clock(Clock c) {
    this.clock = c;
  }
}
