package dev.cde.bridge.cost.budget;

import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionState;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Ends sessions whose cost so far reached their cap ({@code cde.budgets.job-cap}, {@code job-caps}). The end reason
 * says so with both figures, and is what the session, its report, {@code cde sessions} and the GitHub runner show.
 * Idempotent: an ended session is not looked at again.
 */
@ApplicationScoped
public class JobCaps {
  private static final Logger LOG = Logger.getLogger(JobCaps.class);
  public static final String REASON = "cost cap reached";

  private final Budgets budgets;
  private final SpendLedger ledger;
  private final SessionBroker broker;

  public JobCaps(Budgets budgets, SpendLedger ledger, SessionBroker broker) {
    this.budgets = budgets;
    this.ledger = ledger;
    this.broker = broker;
  }

  @Scheduled(every = "${cde.budgets.check-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      identity = "job-caps")
  void run() {
    if (budgets.capsConfigured()) {
      enforce();
    }
  }

  /** Ends every session at or past its cap now. */
  public void enforce() {
    Instant now = Instant.now();
    for (SpendLedger.Active a : ledger.active(now)) {
      if (a.session().state() == SessionState.STOPPING) {
        continue; // already ending
      }
      Optional<BigDecimal> cap = budgets.capFor(a.repository());
      if (cap.isEmpty() || !budgets.currency().equals(a.currency()) || a.costSoFar().compareTo(cap.get()) < 0) {
        continue;
      }
      String reason = REASON + ": spent " + a.costSoFar().toPlainString() + " of cap " + cap.get().toPlainString() + " "
          + a.currency();
      LOG.infof("session %s: %s%s", a.session().id(), reason, a.repository() == null ? "" : " (" + a.repository() + ")");
      try {
        broker.end(a.session().id(), reason);
      } catch (RuntimeException e) {
        LOG.warnf("session %s: ending it at its cap failed: %s", a.session().id(), e.getMessage());
      }
    }
  }
}
