package dev.cde.bridge.cost.budget;

import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionCosts;
import dev.cde.bridge.session.SessionStore;
import dev.cde.bridge.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * What sessions cost, with the repository each ran for: the recorded cost of sessions that ended since a moment, and
 * the cost so far of those still holding an instance, priced now by the active table. Reads the session, GitHub
 * runner and cache scope tables; writes nothing.
 */
@ApplicationScoped
public class SpendLedger {
  // The repository as the cost aggregates (dev.cde.bridge.costs.CostLines) take it: a GitHub runner's, else the
  // session's cache scope's (a GitLab job, an API client that named one).
  private static final String SELECT = """
      SELECT s.id, s.state, s.ended_at, s.cost_usd, s.cost_currency, COALESCE(r.repository, cs.repository)
      FROM sessions s
      LEFT JOIN github_runners r ON r.session_id = s.id
      LEFT JOIN cache_session_scopes cs ON cs.session_id = s.id
      WHERE (s.cost_usd IS NOT NULL AND s.ended_at >= ?) OR s.state IN ('STARTING', 'RUNNING', 'STOPPING')""";

  private final Sql sql;
  private final SessionStore sessions;
  private final SessionCosts costs;

  public SpendLedger(DataSource db, SessionStore sessions, SessionCosts costs) {
    this.sql = new Sql(db, "budgets");
    this.sessions = sessions;
    this.costs = costs;
  }

  /** A session that holds an instance, its repository and its cost until now. */
  public record Active(Session session, String repository, BigDecimal costSoFar, String currency) {
  }

  /** Ended since {@code since} (recorded cost) and active now (cost until {@code now}). */
  public List<Spend> since(Instant since, Instant now) {
    List<Spend> out = new ArrayList<>();
    List<String[]> active = new ArrayList<>();
    read(since, (id, endedAt, cost, currency, repo) -> {
      if (cost != null && endedAt != null) {
        out.add(new Spend(id, repo, endedAt, cost, currency == null ? "USD" : currency));
      } else {
        active.add(new String[] {id, repo});
      }
    });
    for (String[] a : active) {
      price(a[0], a[1], now).ifPresent(x -> out.add(new Spend(x.session().id(), x.repository(), now, x.costSoFar(),
          x.currency())));
    }
    return out;
  }

  /** The sessions holding an instance now, each priced until {@code now}. */
  public List<Active> active(Instant now) {
    List<String[]> found = new ArrayList<>();
    // ended_at >= now matches nothing ended: only the active sessions come back
    read(now.plusSeconds(3600), (id, endedAt, cost, currency, repo) -> {
      if (cost == null || endedAt == null) {
        found.add(new String[] {id, repo});
      }
    });
    List<Active> out = new ArrayList<>();
    for (String[] a : found) {
      price(a[0], a[1], now).ifPresent(out::add);
    }
    return out;
  }

  private Optional<Active> price(String id, String repository, Instant now) {
    // read again: it may have ended (and been recorded) since the query, and then its recorded cost is what counts
    return sessions.find(id).filter(s -> !s.state().terminal()).map(s -> {
      var cost = costs.costOf(s, now);
      return new Active(s, repository, cost.total(), cost.currency());
    });
  }

  private interface Row {
    void accept(String id, Instant endedAt, BigDecimal cost, String currency, String repository);
  }

  private void read(Instant since, Row row) {
    sql.query(SELECT, ps -> ps.setObject(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC)), rs -> {
      OffsetDateTime ended = rs.getObject(3, OffsetDateTime.class);
      row.accept(rs.getString(1), ended == null ? null : ended.toInstant(), rs.getBigDecimal(4), rs.getString(5),
          rs.getString(6));
    });
  }
}
