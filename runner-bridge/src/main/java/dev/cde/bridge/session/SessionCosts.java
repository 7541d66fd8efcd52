package dev.cde.bridge.session;

import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.CostCalculator;
import dev.cde.bridge.cost.PriceTable;
import dev.cde.bridge.cost.Prices;
import dev.cde.bridge.cost.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * What a session costs under the active price table: its configured size (what providers bill, not what the agent
 * reports) for its billed time, one request per session (one invocation). Billed time follows the table's rule: from
 * launch when the provider bills the cold start, else from the agent's answer; rounded to the granularity, at least
 * the minimum.
 */
@ApplicationScoped
public class SessionCosts {
  private final SessionMeters meters;
  private final PriceTable table;

  @Inject
  public SessionCosts(SessionMeters meters, Prices prices) {
    this(meters, prices.active());
  }

  public SessionCosts(SessionMeters meters, PriceTable table) {
    this.meters = meters;
    this.table = table;
  }

  public PriceTable table() {
    return table;
  }

  public SessionMeters meters() {
    return meters;
  }

  /** The time a session is billed for, and from where: {@code basis} says which start the rule took. */
  public record Billing(Instant from, Instant to, String basis, Duration ran, Duration billed, long requests) {
  }

  /** The cost from the session's start until {@code end} (its end, once it ended), rounded as recorded. */
  public CostBreakdown costOf(Session s, Instant end) {
    return costOf(s, meters.find(s.id()), end);
  }

  public CostBreakdown costOf(Session s, SessionMeter m, Instant end) {
    Billing b = billing(s, m, end);
    return CostCalculator.cost(table, new Usage(BigDecimal.valueOf(s.cpu()), s.memoryMb(), s.gpuType(), s.gpuCount(),
        b.billed(), b.requests())).rounded();
  }

  public Billing billing(Session s, SessionMeter m, Instant end) {
    Instant to = s.endedAt() != null ? s.endedAt() : end;
    if (s.startedAt() == null) {
      return new Billing(null, to, "never launched", Duration.ZERO, Duration.ZERO, 0);
    }
    Instant from;
    String basis;
    if (table.billing().coldStartBilled()) {
      from = s.startedAt();
      basis = "launch";
    } else if (m.readyAt() != null) {
      from = m.readyAt();
      basis = "ready";
    } else if (s.state() == SessionState.STARTING || s.state() == SessionState.FAILED) {
      // the agent has not answered (or never did): nothing ran yet that the provider bills
      return new Billing(null, to, "not ready", Duration.ZERO, Duration.ZERO, 1);
    } else {
      // ready time not kept (a session from before metering, or ended while starting): the longer, safe side
      from = s.startedAt();
      basis = "launch (ready time unknown)";
    }
    Duration ran = to.isAfter(from) ? Duration.between(from, to) : Duration.ZERO;
    return new Billing(from, to, basis, ran, table.billing().billed(ran), 1);
  }
}
