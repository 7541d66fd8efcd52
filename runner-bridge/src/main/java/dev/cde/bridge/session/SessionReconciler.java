package dev.cde.bridge.session;

import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.InstanceStatus;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Compares each active session with its instance and repairs the difference: sessions past their
 * max duration end, sessions whose instance is gone end, RUNNING sessions without a tunnel get one.
 * Idempotent: a second run right after the first changes nothing.
 */
@ApplicationScoped
public class SessionReconciler {
  private static final Logger LOG = Logger.getLogger(SessionReconciler.class);
  static final String MAX_DURATION = "max duration reached";
  static final String INSTANCE_EXITED = "instance exited";

  private final SessionStore store;
  private final SessionBroker broker;
  private final SessionRecovery recovery;
  // Millisecond ticks: what the database keeps, so a stored session reads back equal.
  private final Clock clock = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));

  public SessionReconciler(SessionStore store, SessionBroker broker, SessionRecovery recovery) {
    this.store = store;
    this.broker = broker;
    this.recovery = recovery;
  }

  @Scheduled(every = "${cde.session.reconcile-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      identity = "session-reconciler")
  void run() {
    if (!recovery.done()) {
      return; // the startup recovery owns the sessions of the previous process
    }
    reconcile();
  }

  public void reconcile() {
    Instant now = clock.instant();
    for (Session s : store.list(java.util.EnumSet.of(SessionState.STARTING, SessionState.RUNNING))) {
      try {
        if (s.startedAt() != null && !now.isBefore(s.startedAt().plusSeconds(s.maxDurationSeconds()))) {
          broker.end(s.id(), MAX_DURATION);
        } else if (s.state() == SessionState.RUNNING && s.instanceId() != null) {
          if (broker.provider().status(s.instanceId()) == InstanceStatus.EXITED) {
            broker.end(s.id(), broker.provider().exitReason(s.instanceId()).map(r -> INSTANCE_EXITED + ": " + r)
                .orElse(INSTANCE_EXITED));
          } else if (!broker.connector().isConnected(s.id())) {
            broker.reconnect(s);
          }
        }
      } catch (RuntimeException e) {
        LOG.warnf("session %s: reconcile failed: %s", s.id(), e.getMessage());
      }
    }
    stopOrphans();
  }

  /**
   * Stops instances whose session is not active: the bridge went down between launching and recording one, or
   * its session ended while the stop failed. A session still PENDING or STARTING keeps its instance (the launch
   * may not have returned yet).
   */
  void stopOrphans() {
    List<HeldInstance> held;
    try {
      held = broker.provider().instances();
    } catch (RuntimeException e) {
      LOG.warnf("listing the provider's instances failed: %s", e.getMessage());
      return;
    }
    for (HeldInstance i : held) {
      Optional<Session> s = store.find(i.sessionId());
      if (s.isEmpty() || s.get().state().terminal()) {
        LOG.infof("instance %s: its session %s is %s; stopping it as an orphan", i.instanceId(), i.sessionId(),
            s.map(x -> x.state().name().toLowerCase()).orElse("unknown"));
        try {
          broker.provider().stop(i.instanceId());
        } catch (RuntimeException e) {
          LOG.warnf("instance %s: stopping the orphan failed: %s", i.instanceId(), e.getMessage());
        }
      }
    }
  }
}
