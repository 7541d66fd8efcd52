package dev.cde.bridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.problem.InvalidRequestException;
import dev.cde.bridge.problem.NotFoundException;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.Providers;
import dev.cde.bridge.provider.SpecRefusedException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Drives sessions through their states: PENDING, STARTING (instance launched, tunnel opened),
 * RUNNING; STOPPING, ENDED; FAILED when start-up fails. Provider calls block, so provisioning runs on
 * its own worker threads, never on an event loop.
 */
@ApplicationScoped
public class SessionBroker {
  private static final Logger LOG = Logger.getLogger(SessionBroker.class);

  private final SessionStore store;
  private final InstanceProvider provider;
  private final AgentConnector connector;
  private final SessionCosts costs;
  private final SigningKeys keys;
  private final SessionConfig config;
  private final Event<SessionEnded> ended;
  private final Event<SessionReady> readyEvents;
  private final jakarta.enterprise.inject.Instance<InstanceEnvironment> extraEnv;
  private final SessionOwners owners;
  // Millisecond ticks: what the database keeps, so a stored session reads back equal.
  private final Clock clock = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
  private final Map<String, CompletableFuture<Session>> settling = new ConcurrentHashMap<>();
  private final Set<String> reconnecting = ConcurrentHashMap.newKeySet();
  private final ExecutorService workers = Executors.newCachedThreadPool(new NamedThreads("cde-session-worker-"));

  public SessionBroker(SessionStore store, Providers providers, AgentConnector connector, SessionCosts costs,
      SigningKeys keys, SessionConfig config, Event<SessionEnded> ended, Event<SessionReady> readyEvents,
      jakarta.enterprise.inject.Instance<InstanceEnvironment> extraEnv, SessionOwners owners) {
    this.readyEvents = readyEvents;
    this.store = store;
    this.provider = providers.active();
    this.connector = connector;
    this.costs = costs;
    this.keys = keys;
    this.config = config;
    this.ended = ended;
    this.extraEnv = extraEnv;
    this.owners = owners;
  }

  /** Stores the session as PENDING and starts provisioning it in the background. */
  public Session create(CreateSessionRequest request) {
    InstanceSpec spec = SessionSpecParser.parse(request, config);
    try {
      provider.check(spec);
    } catch (SpecRefusedException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    String name = SessionSpecParser.name(request == null ? null : request.name());
    Session s = Session.pending(SessionIds.next(), name, spec, clock.instant());
    owners.claimNew(s.id()); // first: no other replica ever sees this session without its owner
    store.insert(s);
    settling.put(s.id(), new CompletableFuture<>());
    LOG.infof("session %s: created%s (template %s, %s cpu, %d MiB, gpu %s, max %d s)", s.id(), name == null ? "" : " as " + name, spec.template(),
        spec.cpu(), spec.memoryMb(), spec.gpuCount() == 0 ? "none" : spec.gpuType() + ":" + spec.gpuCount(),
        spec.maxDurationSeconds());
    workers.execute(() -> provision(s.id()));
    return s;
  }

  /**
   * Why {@link #create} would refuse {@code request} (a value out of range, or a spec the provider cannot meet),
   * or empty when it would not; nothing is stored or launched.
   */
  public Optional<String> refusal(CreateSessionRequest request) {
    try {
      provider.check(SessionSpecParser.parse(request, config));
      return Optional.empty();
    } catch (SpecRefusedException | InvalidRequestException e) {
      return Optional.of(e.getMessage());
    }
  }

  public Session get(String id) {
    return store.find(id).orElseThrow(() -> new NotFoundException("no session " + id));
  }

  public java.util.Optional<Session> find(String id) {
    return store.find(id);
  }

  /** Newest first. */
  public List<Session> list(Collection<SessionState> states) {
    return store.list(states);
  }

  /** Newest first; {@code name} null: any name. */
  public List<Session> list(Collection<SessionState> states, String name) {
    return store.list(states, name, 0);
  }

  /** Newest first, at most {@code limit} (0: all); {@code name} null: any name. */
  public List<Session> list(Collection<SessionState> states, String name, int limit) {
    return store.list(states, name, limit);
  }

  /**
   * Blocks until the session is RUNNING, FAILED or ENDED, or {@code timeout} passed; returns it as
   * it is then.
   */
  public Session awaitSettled(String id, Duration timeout) {
    CompletableFuture<Session> f = settling.get(id);
    if (f != null) {
      try {
        return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // fall through: report the session as it is
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return get(id);
  }

  /** Ends the session and returns it with its cost; ending an ended session returns it unchanged. */
  public Session end(String id, String reason) {
    Session s = get(id);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      if (s.state().terminal()) {
        return s;
      }
      if (s.state() == SessionState.STOPPING) {
        // Another thread is ending it; report its result rather than stopping twice.
        if (System.nanoTime() > deadline) {
          return s;
        }
        sleep(100);
      } else {
        Session stopping = s.stopping(reason);
        if (store.update(stopping, s.state())) {
          s = stopping;
          break;
        }
      }
      s = get(id);
    }
    String lost = connector.lostReason(id).orElse(null);
    if (lost != null) {
      // The job died with its tunnel: a system failure, not an orderly end, whatever noticed it first.
      LOG.warnf("session %s: failed (%s)", id, lost);
      return release(s, SessionState.FAILED, lost, SessionState.STOPPING);
    }
    LOG.infof("session %s: stopping (%s)", id, reason);
    return release(s, SessionState.ENDED, reason, SessionState.STOPPING);
  }

  /** Disconnects, stops the instance, and stores the final state with the cost of the metered time. */
  private Session release(Session s, SessionState finalState, String reason, SessionState... from) {
    try {
      connector.disconnect(s.id());
    } catch (RuntimeException e) {
      LOG.warnf("session %s: closing the tunnel failed: %s", s.id(), e.getMessage());
    }
    if (s.instanceId() != null) {
      try {
        provider.stop(s.instanceId());
      } catch (RuntimeException e) {
        LOG.warnf("session %s: stopping instance %s failed: %s", s.id(), s.instanceId(), e.getMessage());
      }
    }
    Instant now = clock.instant();
    Session done = s.finished(finalState, now, reason, costOf(s, now));
    if (!store.update(done, from)) {
      return get(s.id());
    }
    LOG.infof("session %s: %s (%s), %s s billed, cost %s %s (%s)", s.id(), finalState.name().toLowerCase(), reason,
        done.cost().billedSeconds(), done.cost().total().toPlainString(), done.cost().currency(),
        done.cost().priceTable());
    settled(done);
    try {
      ended.fire(new SessionEnded(done.id(), done.state()));
    } catch (RuntimeException e) {
      LOG.warnf(e, "session %s: an observer of its end failed: %s", done.id(), e.getMessage());
    }
    return done;
  }

  /** What the session cost from its launch until {@code end} (or its own end), under the active price table. */
  public CostBreakdown costOf(Session s, Instant end) {
    return costs.costOf(s, end);
  }

  public SessionCosts costs() {
    return costs;
  }

  private void provision(String id) {
    Session pending = store.find(id).orElse(null);
    if (pending == null || pending.state() != SessionState.PENDING) {
      return;
    }
    Session starting = pending.starting(provider.name(), clock.instant());
    if (!store.update(starting, SessionState.PENDING)) {
      return;
    }
    LOG.infof("session %s: starting on provider %s", id, provider.name());
    Instance instance = null;
    try {
      Map<String, String> env = agentEnv(starting);
      instance = provider.launch(new LaunchRequest(id, starting.spec(), env));
      Session launched = starting.withInstance(instance.instanceId(), instance.tunnelEndpoint().toString());
      if (!store.update(launched, SessionState.STARTING)) {
        LOG.infof("session %s: ended while starting; stopping instance %s", id, instance.instanceId());
        provider.stop(instance.instanceId());
        return;
      }
      LOG.infof("session %s: instance %s up at %s, connecting", id, instance.instanceId(), instance.tunnelEndpoint());
      JsonNode agent = connector.connect(id, instance, provider.sharesEnvironment() ? env : Map.of()).toCompletableFuture()
          .get(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
      Session running = launched.running(agent);
      // the agent answered: billing starts here where the provider does not bill the cold start
      Instant readyAt = clock.instant();
      costs.meters().ready(id, readyAt, SessionMeter.Granted.fromHello(agent));
      if (!store.update(running, SessionState.STARTING)) {
        connector.disconnect(id); // ended meanwhile; whoever ended it stops the instance
        return;
      }
      LOG.infof("session %s: running", id);
      readyEvents.fire(new SessionReady(id, starting.provider(), starting.startedAt(), readyAt));
      settled(running);
    } catch (Exception e) {
      fail(id, describe(e));
    }
  }

  private void fail(String id, String reason) {
    Session s = store.find(id).orElse(null);
    if (s == null || s.state() != SessionState.STARTING) {
      return;
    }
    LOG.warnf("session %s: failed to start: %s", id, reason);
    release(s, SessionState.FAILED, reason, SessionState.STARTING);
  }

  /** What the agent needs to know; never a secret of the bridge, only its public key. */
  Map<String, String> agentEnv(Session s) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (InstanceEnvironment e : extraEnv) {
      env.putAll(e.forSession(s.id(), Duration.ofSeconds(s.maxDurationSeconds())));
    }
    if (provider.dialsOut()) {
      env.putAll(connector.dialOutEnv(s.id(), Duration.ofSeconds(s.maxDurationSeconds())));
    }
    env.putAll(agentEnv(keys.publicKeyBase64(), s.id(), s.maxDurationSeconds(), config.agentIdleTimeout(),
        config.resumeGrace()));
    return env;
  }

  /** The variables every agent needs to start and to let this bridge in (also what the provider conformance suite gives). */
  public static Map<String, String> agentEnv(String publicKeyBase64, String sessionId, long maxDurationSeconds,
      Duration idleTimeout, Duration resumeGrace) {
    return Map.of(
        "CDE_AGENT_PUBLIC_KEY", publicKeyBase64,
        "CDE_SESSION_ID", sessionId,
        // The agent's own limit is a safety net for a bridge that is gone: a minute later than ours.
        "CDE_MAX_LIFETIME_SECONDS", Long.toString(maxDurationSeconds + 60),
        "CDE_IDLE_TIMEOUT_SECONDS", Long.toString(idleTimeout.toSeconds()),
        // how long the agent keeps a dropped tunnel's state for the bridge to resume (docs/protocol.md)
        "CDE_RESUME_GRACE_SECONDS", Long.toString(Math.max(1, Math.min(3600, resumeGrace.toSeconds()))));
  }

  /** Reopens the tunnel of a RUNNING session whose instance lives on (after a bridge restart or a drop). */
  public void reconnect(Session s) {
    if (s.instanceId() == null || s.endpoint() == null) {
      return;
    }
    if (connector.isConnected(s.id())) {
      // e.g. an adopted session this replica already relayed clients to: a second tunnel would replace that one,
      // and the agent takes the replaced tunnel's GOAWAY for the session's end
      LOG.infof("session %s: instance %s already connected through this replica", s.id(), s.instanceId());
      return;
    }
    if (!reconnecting.add(s.id())) {
      return;
    }
    try {
      connector.connect(s.id(), new Instance(s.instanceId(), java.net.URI.create(s.endpoint())),
              provider.sharesEnvironment() ? agentEnv(s) : Map.of())
          .whenComplete((agent, err) -> {
            reconnecting.remove(s.id());
            if (err != null) {
              LOG.warnf("session %s: reconnecting to instance %s failed: %s", s.id(), s.instanceId(), describe(err));
            } else {
              LOG.infof("session %s: reconnected to instance %s", s.id(), s.instanceId());
            }
          });
    } catch (RuntimeException e) {
      reconnecting.remove(s.id());
      LOG.warnf("session %s: reconnecting failed: %s", s.id(), e.getMessage());
    }
  }

  public InstanceProvider provider() {
    return provider;
  }

  public AgentConnector connector() {
    return connector;
  }

  private void settled(Session s) {
    CompletableFuture<Session> f = settling.remove(s.id());
    if (f != null) {
      f.complete(s);
    }
  }

  public static String describe(Throwable e) {
    while ((e instanceof ExecutionException || e instanceof java.util.concurrent.CompletionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof TimeoutException) {
      return "the agent did not answer within the connect timeout";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @PreDestroy
  void shutdown() {
    workers.shutdownNow();
  }

  /** Worker threads named as such, and daemon so they never hold the JVM up. */
  static final class NamedThreads implements java.util.concurrent.ThreadFactory {
    private final String prefix;
    private final AtomicInteger n = new AtomicInteger();

    NamedThreads(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
