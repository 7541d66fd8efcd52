package dev.cde.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cost.PriceFiles;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.TestDatabase;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * A bridge restart: a fresh store over the same database, migrated again by the real Flyway scripts (a no-op
 * now), reads the sessions back, and recovery sorts them out. On H2 and on PostgreSQL.
 */
class SessionRecoveryTest {
  // the shipped local table: vCPU 0.00002, GiB 0.000003 per second, 0.00000015 per request, cold start not billed
  static final dev.cde.bridge.cost.PriceTable LOCAL = PriceFiles.load(java.util.Optional.empty())
      .table("local", null).orElseThrow();

  @OnBothDatabases
  void survivingInstancesKeepTheirSessionsOthersEnd(TestDatabase database) {
    DataSource db = database.migrated();
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(120);
    InstanceSpec spec = new InstanceSpec("default", 1, 1024, null, 0, 3600);
    SessionStore before = new SessionStore(db);
    Session alive = Session.pending(SessionIds.next(), spec, t0).starting("fake", t0)
        .withInstance("i-alive", "ws://127.0.0.1:1/tunnel").running(CannedAgentConnector.AGENT_INFO);
    Session lost = Session.pending(SessionIds.next(), spec, t0).starting("fake", t0)
        .withInstance("i-gone", "ws://127.0.0.1:2/tunnel").running(null);
    Session neverStarted = Session.pending(SessionIds.next(), spec, t0);
    Session starting = Session.pending(SessionIds.next(), spec, t0).starting("fake", t0)
        .withInstance("i-alive-2", "ws://127.0.0.1:3/tunnel");
    for (Session s : List.of(alive, lost, neverStarted, starting)) {
      before.insert(s);
    }

    TestDatabase.flyway(db).migrate(); // what the restarted bridge does first
    SessionStore after = new SessionStore(db);
    assertThat(after.find(alive.id())).contains(alive);
    Set<String> live = Set.of("i-alive", "i-alive-2");
    List<String> reconnected = new ArrayList<>();
    Instant now = t0.plusSeconds(120);
    SessionCosts costs = new SessionCosts(new SessionMeters(db), LOCAL);
    SessionRecovery recovery = new SessionRecovery(after, provider(live), costs, s -> reconnected.add(s.id()),
        Clock.fixed(now, ZoneOffset.UTC));
    assertThat(recovery.recover()).isEqualTo(4);
    assertThat(recovery.done()).isTrue();

    assertThat(after.find(alive.id()).orElseThrow().state()).isEqualTo(SessionState.RUNNING);
    assertThat(after.find(starting.id()).orElseThrow().state()).isEqualTo(SessionState.RUNNING);
    assertThat(reconnected).contains(alive.id(), starting.id());

    Session l = after.find(lost.id()).orElseThrow();
    assertThat(l.state()).isEqualTo(SessionState.ENDED);
    assertThat(l.endReason()).isEqualTo("bridge restarted; instance lost");
    assertThat(l.endedAt()).isEqualTo(now);
    // no ready time was recorded (the agent never answered this bridge): billed from launch, the safe side
    assertThat(l.cost().billedSeconds()).isEqualByComparingTo("120");
    // 120 s * (1 * 0.00002 + 1 * 0.000003) + one request at 0.00000015 = 0.00276015, kept to 6 places
    assertThat(l.costUsd()).isEqualByComparingTo("0.002760");
    assertThat(l.cost().requests()).isEqualByComparingTo("0.000000");
    assertThat(l.cost().currency()).isEqualTo("USD");
    assertThat(l.cost().priceTable()).isEqualTo("local/default");
    Session n = after.find(neverStarted.id()).orElseThrow();
    assertThat(n.state()).isEqualTo(SessionState.ENDED);
    assertThat(n.costUsd()).isEqualByComparingTo("0");

    // Idempotent: a second run changes nothing about these.
    List<Session> snapshot = List.of(after.find(alive.id()).orElseThrow(), after.find(lost.id()).orElseThrow());
    new SessionRecovery(after, provider(live), costs, s -> { }, Clock.fixed(now.plusSeconds(5), ZoneOffset.UTC)).recover();
    assertThat(List.of(after.find(alive.id()).orElseThrow(), after.find(lost.id()).orElseThrow())).isEqualTo(snapshot);
  }

  private static InstanceProvider provider(Set<String> live) {
    return new InstanceProvider() {
      public String name() { return "fake"; }
      public Instance launch(LaunchRequest request) { throw new UnsupportedOperationException(); }
      public void stop(String instanceId) { }
      public InstanceStatus status(String id) { return live.contains(id) ? InstanceStatus.RUNNING : InstanceStatus.EXITED; }
      public List<dev.cde.bridge.provider.HeldInstance> instances() { return List.of(); }
    };
  }
}
