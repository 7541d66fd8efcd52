package dev.cde.bridge.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.auth.ApiTokenFilter;
import dev.cde.bridge.problem.Problem;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.session.InstanceCallbackUrl;
import dev.cde.bridge.session.SessionConfig;
import dev.cde.bridge.session.SessionState;
import dev.cde.bridge.session.SessionStore;
import dev.cde.bridge.session.AgentConnector;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.SessionEnvHeader;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.InvalidTokenException;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The bridge's tunnel to each instance. Each dial carries a fresh token that names the session and
 * expires in minutes, signed with the bridge's key; the agent checks it with the public key alone.
 */
@ApplicationScoped
public class AgentLinks implements AgentConnector {
  private static final Logger LOG = Logger.getLogger(AgentLinks.class);
  private static final Duration TOKEN_TTL = Duration.ofMinutes(5);
  /** What an instance that opens a channel towards the bridge is told. */
  static final String REFUSED_FROM_INSTANCE = "the bridge accepts no channels from instances";
  /** The audience of the token a dialing agent presents: a token for the agent itself is not one. */
  public static final String DIAL_AUDIENCE = "cde-agent-dial";
  /** What the bridge says of itself on every tunnel, to instances and to clients. */
  static final Hello BRIDGE_HELLO = Hello.of("bridge", "cde-bridge/0.1.0");

  @Inject
  Vertx vertx;

  @Inject
  SigningKeys keys;

  @Inject
  SessionStore store;

  @Inject
  SessionConfig sessionConfig;

  /** How TunnelSession words an end past the resume grace period. */
  static final String TUNNEL_LOST = "tunnel lost";

  private final Map<String, AgentLink> links = new ConcurrentHashMap<>();
  /** Sessions whose tunnel was lost for good, with the reason, until the session is ended. */
  private final Map<String, String> lost = new ConcurrentHashMap<>();
  /** Sessions whose dialing agent the broker waits for. */
  private final Map<String, CompletableFuture<JsonNode>> dialWaits = new ConcurrentHashMap<>();
  private HttpClient masked;
  private HttpClient loopback;

  private synchronized HttpClient http(java.net.URI endpoint) {
    if (TunnelClient.isLoopback(endpoint)) {
      return loopback != null ? loopback : (loopback = TunnelClient.httpClient(vertx, true));
    }
    return masked != null ? masked : (masked = TunnelClient.httpClient(vertx, false));
  }

  @Override
  public CompletionStage<JsonNode> connect(String sessionId, Instance instance, Map<String, String> sessionEnv) {
    if (instance.dialsOut()) {
      return awaitDial(sessionId);
    }
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    // Resumable: a connection cut mid-job is re-dialed (each dial with a fresh token) and the job's channels
    // continue where they were, within the agent's grace period (docs/protocol.md, "Resume").
    TunnelClient.connectResumable(vertx, http(instance.tunnelEndpoint()), instance.tunnelEndpoint(),
            () -> headers(sessionId, sessionEnv),
            BRIDGE_HELLO, new TunnelOptions())
        .onSuccess(tunnel -> {
          Hello hello = tunnel.remoteHello().result();
          result.complete(register(sessionId, tunnel, hello, TunnelClient.isLoopback(instance.tunnelEndpoint())));
        })
        .onFailure(result::completeExceptionally);
    return result;
  }

  /** A dial's headers: a fresh token, and the session's variables where its instance cannot have them otherwise. */
  private Map<String, String> headers(String sessionId, Map<String, String> sessionEnv) {
    String authorization = "Bearer " + TunnelTokens.issue(keys.privateKey(), sessionId, TOKEN_TTL);
    return sessionEnv.isEmpty() ? Map.of("Authorization", authorization)
        : Map.of("Authorization", authorization, SessionEnvHeader.NAME, SessionEnvHeader.encode(sessionEnv));
  }

  /** Makes {@code tunnel} the session's link to its instance; returns what the agent said of itself. */
  private JsonNode register(String sessionId, TunnelSession tunnel, Hello hello, boolean sharesBridgeHost) {
    AgentLink link = new AgentLink(sessionId, tunnel, hello, sharesBridgeHost);
    // Channels go one way: from the bridge into the instance. An instance (whatever runs in it, a job's code
    // included) never opens one back into the bridge, whose side holds every secret.
    tunnel.openHandler(open -> {
      LOG.warnf("session %s: the instance asked to open a %s channel towards the bridge; refused", sessionId,
          open.request().kind());
      open.reject(ErrorCode.REFUSED, REFUSED_FROM_INSTANCE);
    });
    AgentLink old = links.put(sessionId, link);
    if (old != null) {
      old.tunnel().close("replaced by a new connection");
    }
    lost.remove(sessionId);
    tunnel.closed().onComplete(ar -> {
      links.remove(sessionId, link);
      String reason = ar.result();
      if (reason != null && reason.startsWith(TUNNEL_LOST)) {
        lost.put(sessionId, reason);
        LOG.warnf("session %s: %s", sessionId, reason);
      } else {
        LOG.infof("session %s: tunnel to instance closed: %s", sessionId, reason);
      }
    });
    LOG.infof("session %s: tunnel to instance open (%d cpus, %d MiB, %d GPUs)", sessionId,
        hello.cpus(), hello.memoryBytes() == null ? 0 : hello.memoryBytes() >> 20,
        hello.gpus() == null ? 0 : hello.gpus().size());
    JsonNode agent = Json.MAPPER.valueToTree(hello);
    CompletableFuture<JsonNode> waiting = dialWaits.remove(sessionId);
    if (waiting != null) {
      waiting.complete(agent);
    }
    return agent;
  }

  // ---------------------------------------------------------------- dial-out (docs/agent.md, docs/protocol.md)

  /**
   * A dialing agent's link: the one already there (it may dial before the broker asks), or the next to arrive.
   * Gives up after the connect timeout so a waiter never outlives an agent that will not come.
   */
  private CompletionStage<JsonNode> awaitDial(String sessionId) {
    Optional<AgentLink> live = link(sessionId);
    if (live.isPresent()) {
      return CompletableFuture.completedFuture(Json.MAPPER.valueToTree(live.get().hello()));
    }
    CompletableFuture<JsonNode> f = dialWaits.computeIfAbsent(sessionId, id -> new CompletableFuture<>());
    f.orTimeout(sessionConfig.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((v, e) -> dialWaits.remove(sessionId, f));
    // A dial that landed between the look-up and the wait is not missed: register() completes the waiter too.
    link(sessionId).ifPresent(l -> f.complete(Json.MAPPER.valueToTree(l.hello())));
    return f;
  }

  @Override
  public Map<String, String> dialOutEnv(String sessionId, Duration lifetime) {
    String base = InstanceCallbackUrl.get().replaceFirst("^http", "ws");
    // The token outlives the session a little, so an agent can dial again after a drop near its end.
    return Map.of("CDE_DIAL_OUT_URL", base + "/api/v1/sessions/" + sessionId + "/agent",
        "CDE_AGENT_DIAL_TOKEN", TunnelTokens.issue(keys.privateKey(), DIAL_AUDIENCE, sessionId, lifetime.plusMinutes(10)));
  }

  void routes(@Observes Router router) {
    // Ahead of the API token filter: a dialing agent holds its session's dial token, never the API token.
    router.get("/api/v1/sessions/:id/agent").order(ApiTokenFilter.ORDER - 1).handler(this::agentDialed);
  }

  private void agentDialed(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    String sessionId = rc.pathParam("id");
    try {
      TunnelTokens.verify(keys.publicKey(), DIAL_AUDIENCE, TunnelTokens.bearer(req.getHeader("Authorization")), sessionId);
    } catch (InvalidTokenException e) {
      LOG.warnf("session %s: refused a dialing agent from %s: %s", sessionId, req.remoteAddress(), e.getMessage());
      refuse(rc, 401, "Unauthorized", e.getMessage());
      return;
    }
    req.pause();
    vertx.executeBlocking(() -> store.find(sessionId).map(s -> s.state()).orElse(null), false).onComplete(ar -> {
      SessionState state = ar.result();
      if (state != SessionState.STARTING && state != SessionState.RUNNING) {
        refuse(rc, 404, "No live session", "session " + sessionId + " is " + (state == null ? "unknown"
            : state.name().toLowerCase()) + ": its agent has nothing to serve");
        return;
      }
      req.toWebSocket().onSuccess(ws -> {
        // The bridge keeps the tunnel's client role although the agent dialed: past the upgrade, the tunnel is
        // the one the bridge would have dialed.
        TunnelSession tunnel = TunnelSession.start(vertx, ws, true, BRIDGE_HELLO, new TunnelOptions(),
            "agent@" + ws.remoteAddress() + "/" + sessionId);
        // A dialing agent may run anywhere: only one dialing from this host's loopback shares its ports.
        boolean sharesBridgeHost = isLoopback(ws.remoteAddress());
        tunnel.remoteHello().onSuccess(hello -> register(sessionId, tunnel, hello, sharesBridgeHost))
            .onFailure(e -> LOG.warnf("session %s: dialing agent sent no HELLO: %s", sessionId, e.getMessage()));
      }).onFailure(e -> LOG.warnf("session %s: websocket upgrade of a dialing agent failed: %s", sessionId,
          e.getMessage()));
    });
  }

  /** An address on this host's loopback (an IP literal: parsing it looks nothing up). */
  private static boolean isLoopback(io.vertx.core.net.SocketAddress address) {
    try {
      return address != null && address.hostAddress() != null
          && java.net.InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static void refuse(RoutingContext rc, int status, String title, String detail) {
    rc.response().setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE)
        .end(Problem.of(status, title, detail).toJson());
  }

  @Override
  public Optional<String> lostReason(String sessionId) {
    return Optional.ofNullable(lost.get(sessionId));
  }

  @Override
  public void disconnect(String sessionId) {
    lost.remove(sessionId);
    CompletableFuture<JsonNode> waiting = dialWaits.remove(sessionId);
    if (waiting != null) {
      waiting.completeExceptionally(new IllegalStateException("session " + sessionId + " ended"));
    }
    AgentLink link = links.remove(sessionId);
    if (link != null) {
      link.terminals().closeAll("session ended");
      link.tunnel().close("session ended");
    }
  }

  @Override
  public boolean isConnected(String sessionId) {
    AgentLink link = links.get(sessionId);
    return link != null && !link.tunnel().isClosed();
  }

  /**
   * Opens a channel of the bridge's own on the session's instance (e.g. to start the Actions runner there);
   * fails when the session has no open tunnel.
   */
  public Future<Channel> open(String sessionId, OpenRequest request) {
    return link(sessionId).map(l -> l.tunnel().open(request))
        .orElseGet(() -> Future.failedFuture("session " + sessionId + " has no open tunnel to its instance"));
  }

  /** The terminals open in the session (oldest first); empty when it has none or no open tunnel. */
  public List<TerminalInfo> terminals(String sessionId) {
    return link(sessionId).map(l -> l.terminals().list()).orElse(List.of());
  }

  /**
   * Lets {@code viewer} watch a terminal of the session, the named one or the newest when {@code name} is null:
   * output only, nothing it does reaches the terminal. Returns what detaches the viewer, or empty when there is
   * no such terminal.
   */
  public Optional<Runnable> watch(String sessionId, String name, TerminalViewer viewer) {
    return link(sessionId).flatMap(l -> l.terminals().find(name)).map(t -> t.watch(viewer));
  }

  Optional<AgentLink> link(String sessionId) {
    return Optional.ofNullable(links.get(sessionId)).filter(l -> !l.tunnel().isClosed());
  }

  @PreDestroy
  void shutdown() {
    // A bridge restart must not end the sessions: the tunnels drop without GOAWAY, so agents wait
    // for the bridge to come back (until their idle timeout).
    links.clear();
  }

  /**
   * One instance's tunnel, and the terminals opened on it (for shared viewing). {@code sharesBridgeHost}: the
   * instance is reached on a loopback address, so it runs in the bridge's network namespace (the local provider)
   * and its loopback ports are the bridge's.
   */
  record AgentLink(String sessionId, TunnelSession tunnel, Hello hello, boolean sharesBridgeHost, Terminals terminals) {
    AgentLink(String sessionId, TunnelSession tunnel, Hello hello, boolean sharesBridgeHost) {
      this(sessionId, tunnel, hello, sharesBridgeHost, new Terminals());
    }
  }
}
