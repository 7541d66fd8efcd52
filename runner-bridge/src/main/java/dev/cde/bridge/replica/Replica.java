package dev.cde.bridge.replica;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * This bridge process among the replicas that share its database: its id, its heartbeat, and whether it leads.
 * Exactly one replica leads at a time: the holder of the {@code leader} lease, renewed every {@code renew-every}
 * and taken over by another replica once it has expired (a dead or cut-off leader) or at once when its holder's
 * process is known gone (a restart on the same host). The leader runs the reconcilers and sweepers; every replica
 * serves webhooks, the API and tunnels.
 */
@ApplicationScoped
public class Replica {
  private static final Logger LOG = Logger.getLogger(Replica.class);
  public static final String LEADER = "leader";
  static final String HEARTBEAT = "replica:";

  private final Leases leases;
  private final String id;
  private final String host;
  private final long pid;
  private final Duration ttl;
  /** System.nanoTime() until which the last successful renewal lets this replica lead; 0: not leading. */
  private volatile long leadsUntil;
  private final java.util.concurrent.atomic.AtomicLong locks = new java.util.concurrent.atomic.AtomicLong();

  @Inject
  public Replica(Leases leases, ReplicaConfig config) {
    this(leases, config.id().filter(s -> !s.isBlank()).orElse(null), config.leaseDuration());
  }

  /** {@code id} null: {@code <hostname>-<pid>}. */
  public Replica(Leases leases, String id, Duration ttl) {
    this.leases = leases;
    this.pid = ProcessHandle.current().pid();
    this.id = id != null ? id : hostName() + "-" + pid;
    this.host = hostName() + pidNamespace();
    this.ttl = ttl;
  }

  void onStart(@Observes StartupEvent e) {
    renew();
    LOG.infof("replica %s: %s", id, leads() ? "leads (runs the reconcilers)"
        : "follows; the leader is " + leader().orElse("(none)"));
  }

  public String id() {
    return id;
  }

  /** This process's host (with its pid namespace), as its leases name it. */
  String host() {
    return host;
  }

  /**
   * True while this replica holds the leader lease. Judged on this process's own monotonic clock, a margin short of
   * the lease's end: a leader that can no longer renew (the database unreachable) stops acting before another may
   * take over.
   */
  public boolean leads() {
    long until = leadsUntil;
    return until != 0 && System.nanoTime() - until < 0;
  }

  /** The id of the replica that holds the leader lease now, if any. */
  public Optional<String> leader() {
    java.time.Instant now = leases.now();
    return leases.find(LEADER).filter(l -> l.expiresAt().isAfter(now)).map(Lease::holder);
  }

  /** Renews the heartbeat and takes or keeps the leader lease. */
  @Scheduled(every = "${cde.replica.renew-every:5s}", delayed = "${cde.replica.renew-every:5s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP, identity = "replica-lease")
  public void renew() {
    long started = System.nanoTime();
    try {
      leases.acquire(HEARTBEAT + id, id, host, pid, ttl);
      boolean was = leads();
      String[] dead = leases.find(LEADER).filter(this::goneProcess).map(l -> new String[] {l.holder()})
          .orElse(new String[0]);
      if (leases.acquire(LEADER, id, host, pid, ttl, dead)) {
        // a third of the lease short of its end: time for a late renewal and for clocks that run at other rates
        leadsUntil = started + ttl.toNanos() * 2 / 3;
        if (!was) {
          LOG.infof("replica %s: now leads%s", id, dead.length > 0 ? " (took over from " + dead[0] + ", whose process is gone)" : "");
        }
      } else if (leases.find(LEADER).map(l -> l.holder().equals(id)).orElse(false)) {
        // ours after all: an overlapping renewal of this replica took it a moment ago (its INSERT was not yet
        // visible to this UPDATE, and its row made this INSERT fail); its leadsUntil stands
        LOG.debugf("replica %s: the leader lease was taken by another renewal of ours", id);
      } else {
        leadsUntil = 0;
        if (was) {
          LOG.warnf("replica %s: no longer leads; %s does", id, leader().orElse("(none)"));
        }
      }
    } catch (RuntimeException e) {
      LOG.warnf("replica %s: renewing the leases failed: %s", id, e.getMessage());
    }
  }

  /**
   * True when {@code replicaId} is not a live replica: its heartbeat ran out, there is none, or its process on this
   * host is gone (a restarted bridge).
   */
  public boolean isGone(String replicaId) {
    if (id.equals(replicaId)) {
      return false;
    }
    Optional<Lease> beat = leases.find(HEARTBEAT + replicaId);
    if (beat.isEmpty() || !beat.get().expiresAt().isAfter(leases.now())) {
      return true;
    }
    return goneProcess(beat.get());
  }

  /** A lease held by another process on this host that no longer runs: its holder will never renew it. */
  private boolean goneProcess(Lease l) {
    return !l.holder().equals(id) && host.equals(l.host()) && l.pid() != pid && ProcessHandle.of(l.pid())
        .map(h -> !h.isAlive()).orElse(true);
  }

  /**
   * A short lock across replicas: runs {@code task} while holding lease {@code name}, waiting up to the lease's
   * length for it. The lease, not a JVM lock, because the other contenders are other processes; it expires on its
   * own should this one die holding it. Polled, because a database row has no way to wake a waiter.
   */
  public void exclusively(String name, Runnable task) {
    // a holder of its own per call: two threads (or two components) of this replica exclude each other too
    String holder = id + "#" + locks.incrementAndGet();
    long deadline = System.nanoTime() + ttl.toNanos();
    long backoff = 5;
    while (!tryAcquire(name, holder)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("lease " + name + " is held by " + leases.find(name).map(Lease::holder)
            .orElse("(released)") + " for longer than " + ttl);
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for lease " + name, e);
      }
      backoff = Math.min(backoff * 2, 100);
    }
    try {
      task.run();
    } finally {
      leases.release(name, holder);
    }
  }

  /** A failed attempt (H2's row lock timing out under contention, a dropped connection) is one more wait. */
  private boolean tryAcquire(String name, String holder) {
    try {
      return leases.acquire(name, holder, host, pid, ttl);
    } catch (IllegalStateException e) {
      LOG.debugf("replica %s: taking lease %s failed, trying again: %s", id, name, e.getMessage());
      return false;
    }
  }

  /** Hands leadership and the heartbeat back at a clean shutdown, so another replica takes over at once. */
  @PreDestroy
  void stop() {
    try {
      leadsUntil = 0;
      leases.release(LEADER, id);
      leases.release(HEARTBEAT + id, id);
    } catch (RuntimeException e) {
      LOG.debugf("replica %s: releasing the leases failed: %s", id, e.getMessage());
    }
  }

  /**
   * Containers may share a host name (host networking) but not their process ids: a pid is only comparable within
   * one pid namespace, so the namespace is part of what "the same host" means here.
   */
  private static String pidNamespace() {
    try {
      return " " + java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid"));
    } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
      return "";
    }
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }
}
