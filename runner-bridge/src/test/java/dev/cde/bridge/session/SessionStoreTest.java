package dev.cde.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.store.DefaultZone;
import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.Racers;
import dev.cde.bridge.store.TestDatabase;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The session table through {@link SessionStore}, on H2 and on PostgreSQL: what is written reads back exactly
 * (times to the microsecond whatever the JVM's zone, decimals, the agent's JSON), state changes are
 * compare-and-set even when threads race, and the listing the API and the recovery use filters and orders the
 * same on both.
 */
class SessionStoreTest {
  static final InstanceSpec SPEC = new InstanceSpec("default", 2, 4096, "t4", 1, 3600);
  static final Instant T0 = Instant.parse("2026-03-01T10:15:30.123456Z");

  @OnBothDatabases
  void aSessionReadsBackAsWrittenThroughEveryState(TestDatabase database) throws Exception {
    SessionStore store = new SessionStore(database.migrated());
    Session pending = Session.pending(SessionIds.next(), "gitlab-42", SPEC, T0);
    store.insert(pending);
    assertThat(store.find(pending.id())).contains(pending);

    Session starting = pending.starting("local", T0.plusMillis(1500))
        .withInstance("i-0123", "ws://10.0.0.7:8022/tunnel");
    assertThat(store.update(starting, SessionState.PENDING)).isTrue();
    Session running = starting.running(new ObjectMapper().readTree(
        "{\"cpus\":2,\"memoryBytes\":4294967296,\"gpus\":[{\"name\":\"Tesla T4\"}],\"hostname\":\"ü-host\"}"));
    assertThat(store.update(running, SessionState.STARTING)).isTrue();
    assertThat(store.find(pending.id())).contains(running);

    CostBreakdown cost = new CostBreakdown("local/default", "USD", new BigDecimal("3600.000"),
        new BigDecimal("0.144000"), new BigDecimal("0.043200"), new BigDecimal("0.396000"), new BigDecimal("0.000000"),
        new BigDecimal("0.583200"), java.util.List.of());
    Session ended = running.finished(SessionState.ENDED, T0.plusSeconds(3600), "ended by the user", cost);
    assertThat(store.update(ended, SessionState.RUNNING, SessionState.STOPPING)).isTrue();
    Session read = store.find(pending.id()).orElseThrow();
    assertThat(read).usingRecursiveComparison()
        .withComparatorForType(BigDecimal::compareTo, BigDecimal.class).isEqualTo(ended);
    assertThat(read.costUsd()).isEqualByComparingTo("0.5832");
    assertThat(store.find("s-nosuchsession")).isEmpty();
  }

  @OnBothDatabases
  void timesReadBackAsTheSameInstantWhateverTheJvmsZone(TestDatabase database) throws Exception {
    SessionStore store = new SessionStore(database.migrated());
    Session s = Session.pending(SessionIds.next(), SPEC, T0).starting("local", T0.plusSeconds(1));
    DefaultZone.in("Pacific/Chatham", () -> { // +13:45 in March
      store.insert(s);
      return null;
    });
    Session read = DefaultZone.in("America/St_Johns", () -> store.find(s.id()).orElseThrow()); // -03:30
    assertThat(read.createdAt()).isEqualTo(T0);
    assertThat(read.startedAt()).isEqualTo(T0.plusSeconds(1));
  }

  @OnBothDatabases
  void anUpdateFromAStateTheSessionLeftChangesNothing(TestDatabase database) {
    SessionStore store = new SessionStore(database.migrated());
    Session s = Session.pending(SessionIds.next(), SPEC, T0);
    store.insert(s);
    assertThat(store.update(s.stopping("too late"), SessionState.RUNNING)).isFalse();
    assertThat(store.find(s.id())).contains(s);
  }

  @OnBothDatabases
  void ofRacingStateChangesExactlyOneWins(TestDatabase database) throws Exception {
    SessionStore store = new SessionStore(database.migrated());
    Session running = Session.pending(SessionIds.next(), SPEC, T0).starting("local", T0).withInstance("i-1", "ws://x")
        .running(null);
    store.insert(running);
    assertThat(Racers.winners(8, i -> store.update(running.stopping("racer " + i), SessionState.RUNNING)))
        .isEqualTo(1);
    assertThat(store.find(running.id()).orElseThrow().state()).isEqualTo(SessionState.STOPPING);
  }

  @OnBothDatabases
  void theListIsNewestFirstAndFiltersByStateAndName(TestDatabase database) {
    SessionStore store = new SessionStore(database.migrated());
    Session oldest = Session.pending("s-a", "gitlab-1", SPEC, T0);
    Session tieA = Session.pending("s-b", "gitlab-2", SPEC, T0.plusSeconds(10)).starting("local", T0);
    Session tieB = Session.pending("s-c", "gitlab-1", SPEC, T0.plusSeconds(10)).starting("local", T0)
        .withInstance("i", "ws://x").running(null);
    Session ended = Session.pending("s-d", null, SPEC, T0.plusSeconds(20))
        .finished(SessionState.ENDED, T0.plusSeconds(30), "done", CostBreakdown.zero("local/default", "USD"));
    for (Session s : List.of(tieA, oldest, ended, tieB)) {
      store.insert(s);
    }
    assertThat(store.count()).isEqualTo(4);
    assertThat(ids(store.list(Set.of()))).containsExactly("s-d", "s-c", "s-b", "s-a");
    assertThat(ids(store.list(SessionState.ACTIVE))).containsExactly("s-c", "s-b", "s-a");
    assertThat(ids(store.list(EnumSet.of(SessionState.STARTING, SessionState.RUNNING)))).containsExactly("s-c", "s-b");
    assertThat(ids(store.list(Set.of(), "gitlab-1"))).containsExactly("s-c", "s-a");
    assertThat(ids(store.list(EnumSet.of(SessionState.PENDING), "gitlab-1"))).containsExactly("s-a");
    assertThat(ids(store.list(Set.of(), "nobody"))).isEmpty();
  }

  @OnBothDatabases
  void anEndReasonLongerThanItsColumnIsKeptCutToFit(TestDatabase database) {
    SessionStore store = new SessionStore(database.migrated());
    Session s = Session.pending(SessionIds.next(), SPEC, T0).starting("local", T0);
    store.insert(s);
    // A provider's error can carry a whole stderr; the session must still end, not stay STARTING forever.
    String reason = "instance failed to start: " + "x".repeat(5000);
    Session failed = s.finished(SessionState.FAILED, T0.plusSeconds(5), reason, CostBreakdown.zero("local/default", "USD"));
    assertThat(store.update(failed, SessionState.STARTING)).isTrue();
    Session read = store.find(s.id()).orElseThrow();
    assertThat(read.state()).isEqualTo(SessionState.FAILED);
    assertThat(read.endReason()).hasSize(2000).startsWith("instance failed to start: xxx").endsWith("…");
  }

  private static List<String> ids(List<Session> sessions) {
    return sessions.stream().map(Session::id).toList();
  }
}
