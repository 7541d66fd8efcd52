package dev.cde.bridge.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.Racers;
import dev.cde.bridge.store.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Several replicas on one database, as instances of {@link Replica} on one DataSource racing on many threads:
 * exactly one leads, another takes over when the leader stops renewing or its process is gone, and the
 * repository lease lets one contender at a time in. On H2 and on PostgreSQL.
 */
class ReplicaTest {
  @OnBothDatabases
  void ofReplicasRenewingAtOnceExactlyOneLeads(TestDatabase database) throws Exception {
    DataSource db = database.migrated();
    Leases leases = new Leases(db);
    List<Replica> replicas = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      replicas.add(new Replica(leases, "replica-" + i, Duration.ofSeconds(30)));
    }
    for (int round = 0; round < 5; round++) {
      // every replica renews on two threads at once, as a slow scheduler tick overlapping the next would
      Racers.winners(12, i -> {
        replicas.get(i % replicas.size()).renew();
        return true;
      });
      assertThat(replicas.stream().filter(Replica::leads)).as("round " + round).hasSize(1);
    }
    Replica leader = replicas.stream().filter(Replica::leads).findFirst().orElseThrow();
    assertThat(replicas.get(0).leader()).contains(leader.id());
    // a leader keeps leading: the others cannot take a lease that has not run out
    for (Replica r : replicas) {
      r.renew();
    }
    assertThat(leader.leads()).isTrue();
    assertThat(replicas.stream().filter(Replica::leads)).containsExactly(leader);
  }

  @OnBothDatabases
  void aLeaderThatStopsRenewingIsReplacedOnceItsLeaseRunsOut(TestDatabase database) {
    DataSource db = database.migrated();
    Leases leases = new Leases(db);
    Duration ttl = Duration.ofMillis(1500);
    Replica a = new Replica(leases, "a", ttl);
    Replica b = new Replica(leases, "b", ttl);
    a.renew();
    b.renew();
    assertThat(a.leads()).isTrue();
    assertThat(b.leads()).isFalse();
    assertThat(b.isGone("a")).isFalse();
    // a hangs (a long GC pause, a cut network): it stops acting on its own before b may take over
    await().atMost(Duration.ofSeconds(5)).until(() -> !a.leads());
    assertThat(leases.find(Replica.LEADER).orElseThrow().holder()).isEqualTo("a");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
      b.renew();
      return b.leads();
    });
    assertThat(b.isGone("a")).isTrue();
    assertThat(b.leader()).contains("b");
    a.renew(); // back: it finds b leading and follows
    assertThat(a.leads()).isFalse();
    assertThat(b.leads()).isTrue();
  }

  @OnBothDatabases
  void aLeaderWhoseProcessIsGoneIsReplacedAtOnce(TestDatabase database) throws Exception {
    DataSource db = database.migrated();
    Leases leases = new Leases(db);
    Replica restarted = new Replica(leases, null, Duration.ofHours(1));
    long deadPid = deadPid();
    // what a bridge killed with -9 left: leadership and a heartbeat an hour from running out, on this host
    assertThat(leases.acquire(Replica.LEADER, "bridge-" + deadPid, restarted.host(), deadPid, Duration.ofHours(1))).isTrue();
    assertThat(leases.acquire("replica:bridge-" + deadPid, "bridge-" + deadPid, restarted.host(), deadPid,
        Duration.ofHours(1))).isTrue();
    // a live process's lease on this host is not taken: this JVM's own pid, under another replica id
    Replica live = new Replica(leases, "live", Duration.ofHours(1));
    assertThat(leases.acquire("replica:other", "other", restarted.host(), ProcessHandle.current().pid(),
        Duration.ofHours(1))).isTrue();

    assertThat(restarted.isGone("bridge-" + deadPid)).isTrue();
    assertThat(restarted.isGone("other")).isFalse();
    assertThat(restarted.isGone(live.id())).as("no heartbeat at all").isTrue();
    restarted.renew();
    assertThat(restarted.leads()).isTrue();
    assertThat(restarted.id()).endsWith("-" + ProcessHandle.current().pid());
    live.renew();
    assertThat(live.leads()).isFalse();
  }

  @OnBothDatabases
  void aRepositoryLeaseLetsOneContenderInAtATime(TestDatabase database) throws Exception {
    DataSource db = database.migrated();
    Leases leases = new Leases(db);
    Replica a = new Replica(leases, "a", Duration.ofSeconds(30));
    Replica b = new Replica(leases, "b", Duration.ofSeconds(30));
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Racers.winners(16, i -> {
      try {
        (i % 2 == 0 ? a : b).exclusively("github:octo/app", () -> {
          most.accumulateAndGet(inside.incrementAndGet(), Math::max);
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          inside.decrementAndGet();
          runs.incrementAndGet();
        });
      } catch (RuntimeException e) {
        failed.set(e);
      }
      return true;
    });
    assertThat(failed.get()).isNull();
    assertThat(runs.get()).isEqualTo(16);
    assertThat(most.get()).as("contenders inside at once").isEqualTo(1);
    assertThat(leases.find("github:octo/app")).as("released after each").isEmpty();
  }

  /** A pid that names no process now: a short-lived child's, after it exited. */
  static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long pid = p.pid();
    assertThat(ProcessHandle.of(pid)).isEmpty();
    return pid;
  }
}
