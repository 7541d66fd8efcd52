package dev.cde.bridge.relay;

import dev.cde.bridge.cache.actions.SessionCacheEnv;
import dev.cde.bridge.problem.Problem;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionState;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.IncomingOpen;
import dev.cde.tunnel.Pipes;
import dev.cde.tunnel.TunnelAcceptor;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * {@code /api/v1/sessions/{id}/tunnel}: clients (the {@code cde} command, the GitLab executor) speak
 * the tunnel protocol to the bridge, and every channel they open is opened again on the instance's
 * tunnel and spliced to it, with credit passed end to end. Several clients may attach to one session.
 */
@ApplicationScoped
public class TunnelRelay {
  private static final Logger LOG = Logger.getLogger(TunnelRelay.class);

  @Inject
  Vertx vertx;

  @Inject
  AgentLinks links;

  @Inject
  SessionBroker broker;

  @Inject
  SessionCacheEnv cacheEnv;

  @Inject
  RelayConfig config;

  @Inject
  dev.cde.bridge.logs.SessionLogs logs;

  @Inject
  dev.cde.bridge.session.SessionConfig sessionConfig;

  /** Clients' tunnels, resumable for {@code cde.session.resume-grace} after a drop; made with the routes. */
  private TunnelAcceptor clients;

  @Inject
  dev.cde.bridge.session.SessionOwners owners;

  /** Dials this replica makes to other replicas' instances, by session, while they are under way. */
  private final Map<String, CompletableFuture<?>> dials = new java.util.concurrent.ConcurrentHashMap<>();

  void routes(@Observes Router router) {
    clients = new TunnelAcceptor(vertx, new TunnelOptions().resumeGrace(sessionConfig.resumeGrace()));
    router.get("/api/v1/sessions/:id/tunnel").order(-100).handler(this::upgrade);
  }

  private void upgrade(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    String sessionId = rc.pathParam("id");
    // The API token was checked by ApiTokenFilter, which guards every /api/v1 route.
    Optional<AgentLinks.AgentLink> link = links.link(sessionId);
    if (link.isPresent()) {
      attach(rc, sessionId, link.get());
      return;
    }
    // No tunnel here: the session may be another replica's (docs/operations.md). This replica dials the instance
    // itself, a second tunnel the agent serves beside its owner's, so a client may reach any replica.
    req.pause();
    io.vertx.core.Context here = vertx.getOrCreateContext();
    vertx.executeBlocking(() -> owners.mine(sessionId) ? null : broker.find(sessionId).orElse(null), false)
        .onComplete(found -> {
      Session s = found.result();
      // A session of this replica's without a tunnel is being reconnected by its reconciler: a second dial here
      // would compete with it.
      if (s == null || s.state() != SessionState.RUNNING || s.instanceId() == null || s.endpoint() == null) {
        noTunnel(rc, sessionId);
        return;
      }
      Instance instance = new Instance(s.instanceId(), URI.create(s.endpoint()));
      if (instance.dialsOut()) {
        noTunnel(rc, sessionId); // its agent dialed one replica: only that one has a tunnel to it
        return;
      }
      // One dial per session, however many clients arrive at once: a second would replace the first.
      CompletableFuture<?> dial = dials.computeIfAbsent(sessionId, id -> links.connect(id, instance).toCompletableFuture());
      dial.whenComplete((v, e) -> here.runOnContext(x -> {
        dials.remove(sessionId, dial);
        if (e != null) {
          LOG.warnf("session %s: cannot dial its instance for a client: %s", sessionId, SessionBroker.describe(e));
        } else {
          LOG.infof("session %s: dialed its instance for clients of this replica", sessionId);
        }
        links.link(sessionId).ifPresentOrElse(l -> attach(rc, sessionId, l), () -> noTunnel(rc, sessionId));
      }));
    });
  }

  private static void noTunnel(RoutingContext rc, String sessionId) {
    rc.response().setStatusCode(404).putHeader("Content-Type", Problem.MEDIA_TYPE)
        .end(Problem.of(404, "No running session", "session " + sessionId
            + " does not exist or has no live instance (see GET /api/v1/sessions/" + sessionId + ")").toJson());
  }

  private void attach(RoutingContext rc, String sessionId, AgentLinks.AgentLink link) {
    HttpServerRequest req = rc.request();
    // The port this client reached the bridge on: where an instance on the bridge's host would reach it too.
    Set<Integer> bridgePorts = Set.of(req.localAddress().port());
    // A client's connection either starts a tunnel or resumes one that dropped (docs/protocol.md, "Resume"): the
    // client's channels, and so its jobs, live on for the grace period, as on the bridge's leg to the instance.
    req.toWebSocket().onSuccess(ws -> clients.accept(ws, AgentLinks.BRIDGE_HELLO,
        "client@" + ws.remoteAddress() + "/" + sessionId, client -> {
          client.openHandler(open -> relay(link, open, bridgePorts));
          // The client's tunnel lives no longer than the instance's.
          link.tunnel().closed().onComplete(ar -> client.close("session tunnel closed: " + ar.result()));
          LOG.infof("session %s: client attached from %s", sessionId, ws.remoteAddress());
        })).onFailure(e -> LOG.warnf("session %s: websocket upgrade failed: %s", sessionId, e.getMessage()));
  }

  private void relay(AgentLinks.AgentLink link, IncomingOpen open, Set<Integer> bridgePorts) {
    OpenRequest req = open.request();
    if (OpenRequest.TCP.equals(req.kind()) && req.port() != null) {
      Optional<String> refusal = TcpTargets.refusal(req.host(), req.port(), link.sharesBridgeHost(), bridgePorts,
          config.tcpAllow().orElse(List.of()));
      if (refusal.isPresent()) {
        LOG.infof("session %s: tcp channel to %s:%d refused: %s", link.sessionId(), req.host(), req.port(),
            refusal.get());
        open.reject(ErrorCode.REFUSED, refusal.get());
        return;
      }
    }
    if (OpenRequest.PTY_ATTACH.equals(req.kind())) {
      link.terminals().find(req.target()).ifPresentOrElse(
          t -> t.attach(open.accept(), Boolean.TRUE.equals(req.write())),
          () -> open.reject(ErrorCode.REFUSED, req.target() == null ? "session " + link.sessionId()
              + " has no terminal to attach to" : "no terminal named " + req.target()));
      return;
    }
    boolean process = OpenRequest.EXEC.equals(req.kind()) || OpenRequest.PTY.equals(req.kind());
    link.tunnel().open(process ? withSessionEnv(link.sessionId(), req) : req).onComplete(ar -> {
      if (ar.failed()) {
        open.reject(ErrorCode.REFUSED, ar.cause().getMessage());
        return;
      }
      Channel upstream = ar.result();
      Channel downstream = open.accept();
      if (OpenRequest.PTY.equals(req.kind())) {
        link.terminals().add(upstream, downstream);
      } else if (OpenRequest.EXEC.equals(req.kind()) && Boolean.TRUE.equals(req.log())) {
        // the session's job (cde run's command): its output is the session's log too, as a GitHub runner's is
        String sessionId = link.sessionId();
        Pipes.splice(downstream, upstream, b -> logs.append(sessionId, b));
      } else {
        Pipes.splice(downstream, upstream);
      }
    });
  }

  /**
   * Every process a client starts in a session can use the cache ({@code cde cache} in a GitLab job's script or in
   * a shell): the session's cache token and the bridge's URL join its environment, unless the client set them.
   * The token is never logged; the scope it acts in is the one recorded for the session, not something it says.
   */
  private OpenRequest withSessionEnv(String sessionId, OpenRequest req) {
    Map<String, String> env = new LinkedHashMap<>();
    try {
      env.putAll(cacheEnv.forSession(sessionId, broker.get(sessionId).maxDurationSeconds()));
    } catch (RuntimeException e) {
      LOG.warnf("session %s: no cache token for a relayed process: %s", sessionId, e.getMessage());
    }
    if (req.env() != null) {
      env.putAll(req.env());
    }
    return req.withEnv(env);
  }
}
