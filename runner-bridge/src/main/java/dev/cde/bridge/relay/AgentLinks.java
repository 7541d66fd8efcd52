package dev.cde.bridge.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.session.AgentConnector;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
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

  @Inject
  Vertx vertx;

  @Inject
  SigningKeys keys;

  /** How TunnelSession words an end past the resume grace period. */
  static final String TUNNEL_LOST = "tunnel lost";

  private final Map<String, AgentLink> links = new ConcurrentHashMap<>();
  /** Sessions whose tunnel was lost for good, with the reason, until the session is ended. */
  private final Map<String, String> lost = new ConcurrentHashMap<>();
  private HttpClient masked;
  private HttpClient loopback;

  private synchronized HttpClient http(java.net.URI endpoint) {
    if (TunnelClient.isLoopback(endpoint)) {
      return loopback != null ? loopback : (loopback = TunnelClient.httpClient(vertx, true));
    }
    return masked != null ? masked : (masked = TunnelClient.httpClient(vertx, false));
  }

  @Override
  public CompletionStage<JsonNode> connect(String sessionId, Instance instance) {
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    // Resumable: a connection cut mid-job is re-dialed (each dial with a fresh token) and the job's channels
    // continue where they were, within the agent's grace period (docs/protocol.md, "Resume").
    TunnelClient.connectResumable(vertx, http(instance.tunnelEndpoint()), instance.tunnelEndpoint(),
            () -> Map.of("Authorization", "Bearer " + TunnelTokens.issue(keys.privateKey(), sessionId, TOKEN_TTL)),
            Hello.of("bridge", "cde-bridge/0.1.0"), new TunnelOptions())
        .onSuccess(tunnel -> {
          Hello hello = tunnel.remoteHello().result();
          AgentLink link = new AgentLink(sessionId, tunnel, hello, TunnelClient.isLoopback(instance.tunnelEndpoint()));
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
          result.complete(Json.MAPPER.valueToTree(hello));
        })
        .onFailure(result::completeExceptionally);
    return result;
  }

  @Override
  public Optional<String> lostReason(String sessionId) {
    return Optional.ofNullable(lost.get(sessionId));
  }

  @Override
  public void disconnect(String sessionId) {
    lost.remove(sessionId);
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
