package dev.cde.bridge.cost.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.PriceFiles;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionCosts;
import dev.cde.bridge.session.SessionIds;
import dev.cde.bridge.session.SessionMeter;
import dev.cde.bridge.session.SessionMeters;
import dev.cde.bridge.session.SessionState;
import dev.cde.bridge.session.SessionStore;
import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.Sql;
import dev.cde.bridge.store.TestDatabase;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * What the ledger reads from the sessions table and the tables that name a session's repository, on H2 and
 * PostgreSQL migrated by the bridge's own scripts: ended sessions since a moment with their recorded cost, running
 * ones priced until now, each with its GitHub runner's or cache scope's repository.
 */
class SpendLedgerTest {
  static final InstanceSpec SPEC = new InstanceSpec("default", 1, 1024, null, 0, 3600);

  @OnBothDatabases
  void endedSinceAndRunningNowEachWithItsRepository(TestDatabase database) {
    DataSource db = database.migrated();
    SessionStore store = new SessionStore(db);
    SessionMeters meters = new SessionMeters(db);
    SessionCosts costs = new SessionCosts(meters, PriceFiles.load(Optional.empty()).table("local", null).orElseThrow());
    SpendLedger ledger = new SpendLedger(db, store, costs);
    Sql sql = new Sql(db, "test");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Instant since = now.minusSeconds(3600);

    Session before = ended(store, since.minusSeconds(60), "0.7");
    Session endedScoped = ended(store, since.plusSeconds(60), "0.5");
    scope(sql, endedScoped.id(), "gitlab.example.com/group/app");
    Session running = Session.pending(SessionIds.next(), SPEC, now.minusSeconds(20)).starting("local", now.minusSeconds(20))
        .withInstance("i", "ws://h/t").running(null);
    store.insert(running);
    meters.ready(running.id(), now.minusSeconds(10), new SessionMeter.Granted(1.0, 1024L, null, 0));
    runner(sql, running.id(), "octo/app", now);
    Session pending = Session.pending(SessionIds.next(), SPEC, now);
    store.insert(pending);

    List<Spend> spends = ledger.since(since, now);
    assertThat(spends).extracting(Spend::sessionId).containsExactlyInAnyOrder(endedScoped.id(), running.id())
        .doesNotContain(before.id(), pending.id());
    Spend e = spends.stream().filter(s -> s.sessionId().equals(endedScoped.id())).findFirst().orElseThrow();
    assertThat(e.repository()).isEqualTo("gitlab.example.com/group/app");
    assertThat(e.amount()).isEqualByComparingTo("0.5");
    assertThat(e.at()).isEqualTo(since.plusSeconds(60));
    assertThat(e.currency()).isEqualTo("USD");
    Spend r = spends.stream().filter(s -> s.sessionId().equals(running.id())).findFirst().orElseThrow();
    assertThat(r.repository()).isEqualTo("octo/app");
    assertThat(r.at()).isEqualTo(now);
    // 10 s from ready (local does not bill the cold start): 1 vCPU and 1 GiB, and one request
    assertThat(r.amount()).isEqualByComparingTo(costs.costOf(store.find(running.id()).orElseThrow(), now).total())
        .isPositive();

    assertThat(ledger.active(now)).extracting(a -> a.session().id()).containsExactly(running.id());
    assertThat(ledger.active(now).get(0).repository()).isEqualTo("octo/app");
  }

  static Session ended(SessionStore store, Instant at, String total) {
    Session s = Session.pending(SessionIds.next(), SPEC, at.minusSeconds(30)).starting("local", at.minusSeconds(30));
    store.insert(s);
    BigDecimal amount = new BigDecimal(total);
    CostBreakdown cost = new CostBreakdown("local/default", "USD", new BigDecimal("30.000"), CostBreakdown.amount(amount),
        CostBreakdown.amount(BigDecimal.ZERO), CostBreakdown.amount(BigDecimal.ZERO),
        CostBreakdown.amount(BigDecimal.ZERO), CostBreakdown.amount(amount), List.of());
    Session done = s.finished(SessionState.ENDED, at, "done", cost);
    assertThat(store.update(done, SessionState.STARTING)).isTrue();
    return done;
  }

  static void scope(Sql sql, String sessionId, String repository) {
    sql.update("INSERT INTO cache_session_scopes (session_id, repository, scope_ref, default_ref, recorded_at)"
        + " VALUES (?, ?, 'refs/heads/main', NULL, ?)", ps -> {
          ps.setString(1, sessionId);
          ps.setString(2, repository);
          ps.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
        });
  }

  static void runner(Sql sql, String sessionId, String repository, Instant now) {
    sql.update("INSERT INTO github_runners (runner_name, session_id, repository, labels, label_key, for_job_id,"
        + " for_run_attempt, state, created_at, updated_at) VALUES (?, ?, ?, 'cde-serverless', 'cde-serverless', 1, 1,"
        + " 'busy', ?, ?)", ps -> {
          ps.setString(1, "cde-" + sessionId);
          ps.setString(2, sessionId);
          ps.setString(3, repository);
          ps.setObject(4, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
          ps.setObject(5, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
        });
  }
}
