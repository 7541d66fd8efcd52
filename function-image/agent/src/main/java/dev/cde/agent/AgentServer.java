package dev.cde.agent;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.IncomingOpen;
import dev.cde.tunnel.Pipes;
import dev.cde.tunnel.SessionEnvHeader;
import dev.cde.tunnel.TunnelAcceptor;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelRejectedException;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.InvalidTokenException;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.FrameCodec;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Serves the tunnel on {@code /tunnel}. Each connection must carry a bridge-signed token for this
 * session; each OPEN is then checked on its own (kind, command, tcp destination).
 *
 * <p>Lifetime: the agent exits when the bridge ends the session (a GOAWAY without error), when no
 * bridge has been connected and no process has run for the idle timeout, or at its max lifetime.
 */
final class AgentServer {
  private static final Logger LOG = Logger.getLogger(AgentServer.class.getName());

  private final AgentConfig config;
  private final CompletableFuture<Hello> hello;
  private final Vertx vertx;
  private final NetClient tcp;
  private final Set<TunnelSession> tunnels = ConcurrentHashMap.newKeySet();
  private final AtomicInteger running = new AtomicInteger();
  private volatile long idleSince = System.nanoTime();
  private volatile boolean exiting;
  private final TunnelAcceptor acceptor;
  /**
   * The session this instance serves: {@code CDE_SESSION_ID}, or, where the platform starts every instance with one
   * shared environment (Function Compute, Cloud Run), the session of the first token admitted.
   */
  private volatile String boundSession;
  /** Variables of that session sent with its binding connection ({@link SessionEnvHeader}); empty otherwise. */
  private volatile Map<String, String> sessionEnv = Map.of();

  AgentServer(AgentConfig config, CompletableFuture<Hello> hello) {
    this.config = config;
    this.hello = hello;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4)
        .setInternalBlockingPoolSize(2));
    this.tcp = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(10_000));
    this.acceptor = new TunnelAcceptor(vertx, new TunnelOptions().resumeGrace(config.resumeGrace()));
    this.boundSession = config.sessionId();
  }

  Future<Integer> start() {
    startLifetimeTimers();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.bind())
        .setPort(config.port())
        .setTcpNoDelay(true)
        .setMaxWebSocketFrameSize(65536)
        .setMaxWebSocketMessageSize(FrameCodec.MAX_MESSAGE).setAcceptUnmaskedFrames(true));
    server.requestHandler(this::onRequest);
    return server.listen().map(HttpServer::actualPort);
  }

  private void startLifetimeTimers() {
    vertx.setTimer(config.maxLifetime().toMillis(), id -> exit("max lifetime of " + config.maxLifetime().toSeconds() + " s reached"));
    vertx.setPeriodic(1000, id -> {
      boolean idle = tunnels.isEmpty() && running.get() == 0;
      if (!idle) {
        idleSince = System.nanoTime();
      } else if (System.nanoTime() - idleSince > config.idleTimeout().toNanos()) {
        exit("idle for " + config.idleTimeout().toSeconds() + " s");
      }
    });
  }

  /**
   * Dial-out mode (docs/agent.md): for platforms that let nothing in (AWS Lambda), the agent dials the bridge
   * with its session's dial token and serves the tunnel over that connection, keeping the tunnel's server role.
   * A connection that drops without GOAWAY is dialled again (backing off up to 30 s) until the idle timeout;
   * a refusal (the session ended, the token expired) ends the agent.
   */
  void dialOut() {
    startLifetimeTimers();
    HttpClient http = TunnelClient.httpClient(vertx, false);
    dial(http, 0);
  }

  private void dial(HttpClient http, int failures) {
    if (exiting) {
      return;
    }
    TunnelClient.connect(vertx, http, config.dialOutUrl(), Map.of("Authorization", "Bearer " + config.dialToken()),
        hello.join(), new TunnelOptions(), false).onComplete(ar -> {
          if (ar.succeeded()) {
            System.out.println("cde-agent: tunnel to the bridge at " + config.dialOutUrl().getHost() + " open");
            System.out.flush();
            attach(ar.result()).onComplete(closed -> vertx.setTimer(1000, id -> dial(http, 0)));
          } else if (ar.cause() instanceof TunnelRejectedException rejected && rejected.status() < 500) {
            exit("the bridge refused the tunnel: " + rejected.getMessage());
          } else {
            long delay = Math.min(30_000, 1000L << Math.min(failures, 5));
            LOG.warning("cannot reach the bridge at " + config.dialOutUrl().getHost() + " (" + ar.cause().getMessage()
                + "); trying again in " + delay + " ms");
            vertx.setTimer(delay, id -> dial(http, failures + 1));
          }
        });
  }

  private void onRequest(HttpServerRequest req) {
    if ("/healthz".equals(req.path())) {
      req.response().end("ok\n");
      return;
    }
    if (!"/tunnel".equals(req.path())) {
      req.response().setStatusCode(404).end("not found\n");
      return;
    }
    try {
      String bound = boundSession;
      String session = TunnelTokens.verify(config.bridgeKey(), TunnelTokens.AUDIENCE,
          TunnelTokens.bearer(req.getHeader("Authorization")), bound);
      if (bound == null) {
        bind(session, req.getHeader(SessionEnvHeader.NAME));
      }
    } catch (InvalidTokenException | IllegalArgumentException e) {
      LOG.warning("refused tunnel from " + req.remoteAddress() + ": " + e.getMessage());
      req.response().setStatusCode(401).putHeader("Content-Type", "text/plain").end(e.getMessage() + "\n");
      return;
    }
    // A connection either starts a session or resumes one whose connection dropped (docs/protocol.md,
    // "Resume"): the running jobs' channels then live on for the grace period.
    req.toWebSocket().onSuccess(ws -> acceptor.accept(ws, hello.join(), "bridge@" + ws.remoteAddress(), this::attach))
        .onFailure(e -> LOG.warning("websocket upgrade failed: " + e.getMessage()));
  }

  /** Serves one tunnel, however it was connected; completes when it closes. */
  private Future<String> attach(TunnelSession session) {
    tunnels.add(session);
    session.openHandler(this::onOpen);
    session.closed().onComplete(ar -> {
      tunnels.remove(session);
      idleSince = System.nanoTime();
      String reason = ar.result();
      LOG.info("tunnel closed: " + reason);
      if (reason != null && reason.startsWith("peer closed: ")) {
        exit("session ended (" + reason.substring("peer closed: ".length()) + ")");
      }
    });
    return session.closed();
  }

  /**
   * One instance, one session: the first session admitted is the only one from then on (a token of another session
   * is refused as one for the wrong session would be with {@code CDE_SESSION_ID}), and its variables join every
   * process's environment.
   */
  private synchronized void bind(String session, String envHeader) {
    String bound = boundSession;
    if (bound != null) {
      if (!bound.equals(session)) {
        throw new InvalidTokenException("token is for another session");
      }
      return; // two first connections of the same session: the first one's variables stand
    }
    Map<String, String> env = envHeader == null ? Map.of() : SessionEnvHeader.decode(envHeader);
    sessionEnv = env;
    boundSession = session;
    LOG.info("serving session " + session + (env.isEmpty() ? "" : " (" + env.size() + " variables of its own)"));
  }

  private void onOpen(IncomingOpen open) {
    OpenRequest req = open.request();
    switch (req.kind()) {
      case OpenRequest.EXEC, OpenRequest.PTY -> vertx.<Process>executeBlocking(() -> ProcessChannel.spawn(req, sessionEnv), false)
          .onSuccess(process -> {
            running.incrementAndGet();
            ProcessChannel.run(open.accept(), process, running::decrementAndGet);
          })
          .onFailure(e -> open.reject(ErrorCode.REFUSED, "cannot start " + req.argv() + ": " + e.getMessage()));
      case OpenRequest.TCP -> openTcp(open, req);
      default -> open.reject(ErrorCode.REFUSED, "unknown channel kind '" + req.kind() + "'");
    }
  }

  private void openTcp(IncomingOpen open, OpenRequest req) {
    String host = req.host() == null ? "127.0.0.1" : req.host();
    if (req.port() == null || req.port() < 1 || req.port() > 65535) {
      open.reject(ErrorCode.REFUSED, "tcp port must be 1..65535");
      return;
    }
    if (!config.tcpAllow().contains("*") && !config.tcpAllow().contains(host)) {
      open.reject(ErrorCode.REFUSED, "tcp to " + host + " is not allowed (CDE_TCP_ALLOW=" + String.join(",", config.tcpAllow()) + ")");
      return;
    }
    tcp.connect(req.port(), host).onComplete(ar -> {
      if (ar.failed()) {
        open.reject(ErrorCode.REFUSED, "cannot connect to " + host + ":" + req.port() + ": " + ar.cause().getMessage());
        return;
      }
      Channel ch = open.accept();
      Pipes.join(ch, ar.result());
    });
  }

  private void exit(String why) {
    exiting = true;
    System.out.println("cde-agent: exiting: " + why);
    System.out.flush();
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    for (TunnelSession t : tunnels) {
      t.close(why);
    }
    vertx.setTimer(200, id -> System.exit(0));
  }
}
