package dev.cde.bridge.metrics;

import dev.cde.bridge.session.SessionEnded;
import dev.cde.bridge.session.SessionReady;
import dev.cde.bridge.session.SessionState;
import dev.cde.bridge.store.Sql;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Sessions, jobs and what they cost, as metrics: counted when a session becomes ready and when it ends (the
 * broker's events), and the number of sessions in each state read from the store when scraped (at most every few
 * seconds), so the gauge is right after a restart too.
 */
@Startup
@ApplicationScoped
public class SessionMetrics {
  /** A scrape every second must not become a query every second. */
  static final Duration GAUGE_MAX_AGE = Duration.ofSeconds(5);

  private final MeterRegistry registry;
  private final Sql sql;
  private final Clock clock = Clock.systemUTC();
  private volatile Map<SessionState, Long> byState = new EnumMap<>(SessionState.class);
  private volatile Instant readAt = Instant.EPOCH;

  public SessionMetrics(MeterRegistry registry, DataSource db) {
    this.registry = registry;
    this.sql = new Sql(db, "session metrics");
    for (SessionState state : SessionState.values()) {
      Gauge.builder("cde.sessions", this, m -> m.count(state)).description("Sessions in each state now")
          .tag("state", state.name().toLowerCase(Locale.ROOT)).register(registry);
    }
  }

  synchronized double count(SessionState state) {
    Instant now = clock.instant();
    if (Duration.between(readAt, now).compareTo(GAUGE_MAX_AGE) >= 0) {
      Map<SessionState, Long> counts = new EnumMap<>(SessionState.class);
      sql.query("SELECT state, COUNT(*) FROM sessions GROUP BY state", ps -> { },
          rs -> counts.put(SessionState.valueOf(rs.getString(1)), rs.getLong(2)));
      byState = counts;
      readAt = now;
    }
    return byState.getOrDefault(state, 0L);
  }

  void ready(@Observes SessionReady e) {
    String provider = tag(e.provider());
    Counter.builder("cde.sessions.started").description("Sessions whose agent answered (launched and ready)")
        .tag("provider", provider).register(registry).increment();
    if (e.launchedAt() != null && e.readyAt() != null) {
      Timer.builder("cde.cold.start").description("Launch to agent ready: the cold start")
          .tag("provider", provider).register(registry).record(Duration.between(e.launchedAt(), e.readyAt()));
    }
    readAt = Instant.EPOCH;
  }

  void ended(@Observes SessionEnded e) {
    readAt = Instant.EPOCH;
    sql.query("""
        SELECT s.provider, s.name, s.cost_usd, s.cost_currency, s.billed_millis, m.job_started_at,
               (SELECT COUNT(*) FROM github_runners r WHERE r.session_id = s.id),
               (SELECT COUNT(*) FROM github_runners r WHERE r.session_id = s.id AND r.job_id IS NOT NULL)
        FROM sessions s LEFT JOIN session_meters m ON m.session_id = s.id WHERE s.id = ?""",
        ps -> ps.setString(1, e.sessionId()), rs -> {
          String provider = tag(rs.getString(1));
          String state = e.state().name().toLowerCase(Locale.ROOT);
          Counter.builder("cde.sessions.ended").description("Sessions that ended, by final state")
              .tag("provider", provider).tag("state", state).register(registry).increment();
          String source = rs.getLong(7) > 0 ? BridgeMetrics.GITHUB
              : rs.getString(2) != null && rs.getString(2).startsWith("gitlab-") ? BridgeMetrics.GITLAB
              : BridgeMetrics.CDE;
          // A job ran: its client said it started, or GitHub gave the runner one; an idle runner is no job.
          if (rs.getObject(6) != null || rs.getLong(8) > 0) {
            Counter.builder("cde.jobs").description("Jobs whose session ended, by where they came from")
                .tag("source", source).tag("state", state).register(registry).increment();
          }
          BigDecimal cost = rs.getBigDecimal(3);
          if (cost != null) {
            String currency = rs.getString(4) == null ? "USD" : rs.getString(4);
            Counter.builder("cde.cost").description("What ended sessions cost, in the currency of their price table")
                .tag("currency", currency).tag("provider", provider).register(registry).increment(cost.doubleValue());
          }
          if (rs.getObject(5) != null) {
            Counter.builder("cde.billed").baseUnit("seconds").description("Billed time of ended sessions")
                .tag("provider", provider).register(registry).increment(rs.getLong(5) / 1000.0);
          }
        });
  }

  private static String tag(String provider) {
    return provider == null ? "none" : provider;
  }
}
