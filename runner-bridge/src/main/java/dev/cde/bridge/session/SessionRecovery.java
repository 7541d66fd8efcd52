package dev.cde.bridge.session;

import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceStatus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * What a new bridge process does with the sessions an earlier one left active: an instance that
 * still lives keeps its session RUNNING (and the tunnel is reopened); any other session ends, billed
 * up to now. Idempotent: a second run finds nothing left to do.
 */
@ApplicationScoped
public class SessionRecovery {
  private static final Logger LOG = Logger.getLogger(SessionRecovery.class);
  static final String LOST = "bridge restarted; instance lost";

  private final SessionStore store;
  private final InstanceProvider provider;
  private final SessionCosts costs;
  private final Consumer<Session> reconnect;
  private final Adopter adopt;
  private final Clock clock;
  private volatile boolean done;

  @Inject
  public SessionRecovery(SessionStore store, SessionBroker broker, SessionCosts costs, SessionOwners owners) {
    this(store, broker.provider(), costs, broker::reconnect, Clock.tick(Clock.systemUTC(), java.time.Duration.ofMillis(1)),
        (s, ownToo) -> owners.adoptIfOrphaned(s.id(), ownToo));
  }

  /** A single bridge: every active session is this process's to recover. */
  public SessionRecovery(SessionStore store, InstanceProvider provider, SessionCosts costs,
      Consumer<Session> reconnect, Clock clock) {
    this(store, provider, costs, reconnect, clock, (s, ownToo) -> ownToo);
  }

  /** Decides which active sessions a recovery run takes on. */
  @FunctionalInterface
  public interface Adopter {
    /**
     * True when {@code s} is now this replica's to recover: its replica is gone (and this one adopted it first),
     * or, with {@code ownToo} (the run at start, when none of this process's own sessions exists yet), it was
     * already this replica's (a stable {@code cde.replica.id} across a restart).
     */
    boolean adopt(Session s, boolean ownToo);
  }

  /** {@code adopt}: which sessions are this replica's to recover; a live replica's are left to it. */
  public SessionRecovery(SessionStore store, InstanceProvider provider, SessionCosts costs,
      Consumer<Session> reconnect, Clock clock, Adopter adopt) {
    this.store = store;
    this.provider = provider;
    this.costs = costs;
    this.reconnect = reconnect;
    this.clock = clock;
    this.adopt = adopt;
  }

  void onStart(@Observes StartupEvent e) {
    recover();
  }

  /**
   * Recovers the active sessions of the process before this one, and of any other replica that is gone; run at
   * start and then by the leading replica with each reconcile, so a dead replica's sessions are adopted.
   *
   * @return how many sessions it recovered
   */
  public synchronized int recover() {
    int n = 0;
    for (Session s : store.list(SessionState.ACTIVE)) {
      // after the start, this process's own sessions are in its broker's hands (perhaps provisioning right now)
      if (!adopt.adopt(s, !done)) {
        continue; // a live replica's session: its own to look after
      }
      n++;
      InstanceStatus status = s.instanceId() == null ? InstanceStatus.EXITED : provider.status(s.instanceId());
      if (status.alive() && s.state() != SessionState.STOPPING) {
        Session running = s.withState(SessionState.RUNNING);
        if (s.state() == SessionState.RUNNING || store.update(running, s.state())) {
          LOG.infof("session %s: instance %s survived the bridge restart; reconnecting", s.id(), s.instanceId());
          reconnect.accept(running);
        }
      } else {
        if (s.instanceId() != null) {
          // alive: it was being stopped when the bridge went away; gone: what it left (a work dir) is released
          try {
            provider.stop(s.instanceId());
          } catch (RuntimeException e) {
            LOG.warnf("session %s: releasing instance %s failed: %s", s.id(), s.instanceId(), e.getMessage());
          }
        }
        Instant now = clock.instant();
        String reason = s.state() == SessionState.STOPPING && s.endReason() != null ? s.endReason() : LOST;
        var cost = costs.costOf(s, now);
        if (store.update(s.finished(SessionState.ENDED, now, reason, cost), s.state())) {
          LOG.infof("session %s: ended on recovery (%s), cost %s %s", s.id(), reason, cost.total().toPlainString(),
              cost.currency());
        }
      }
    }
    done = true;
    return n;
  }

  public boolean done() {
    return done;
  }
}
