package dev.cde.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.ChannelOpenException;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelRejectedException;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real agent process, reached over a real WebSocket, as the bridge reaches it. */
class AgentIT {
  static Vertx vertx;
  static HttpClient http;
  static AgentProcess agent;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    http = TunnelClient.httpClient(vertx);
    agent = new AgentProcess(Map.of());
    System.out.println("agent ready after " + agent.readyMillis + " ms (process start to listening)");
  }

  @AfterAll
  static void stop() throws Exception {
    agent.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  TunnelSession connect(String token) throws Exception {
    Map<String, String> headers = token == null ? Map.of() : Map.of("Authorization", "Bearer " + token);
    return await(TunnelClient.connect(vertx, http, URI.create(agent.endpoint()), headers,
        Hello.of("bridge", "test"), new TunnelOptions()));
  }

  record Result(String out, String err, ExitStatus exit) {}

  Result exec(TunnelSession s, OpenRequest req, String stdin) throws Exception {
    Channel ch = await(s.open(req));
    StringBuffer out = new StringBuffer();
    StringBuffer err = new StringBuffer();
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    ch.handler(b -> out.append(b.toString(StandardCharsets.UTF_8)));
    ch.errHandler(b -> err.append(b.toString(StandardCharsets.UTF_8)));
    ch.exitHandler(exit::complete);
    if (stdin != null) {
      ch.write(Buffer.buffer(stdin));
    }
    ch.end();
    ExitStatus st = exit.get(20, TimeUnit.SECONDS);
    return new Result(out.toString(), err.toString(), st);
  }

  @Test
  void helloReportsTheInstance() throws Exception {
    TunnelSession s = connect(agent.token());
    Hello h = await(s.remoteHello());
    assertThat(h.role()).isEqualTo("agent");
    assertThat(h.sessionId()).isEqualTo(agent.sessionId);
    assertThat(h.cpus()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(h.memoryBytes()).isGreaterThan(64L << 20);
    assertThat(h.gpus()).isNotNull();
    s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done"); // an abnormal close keeps the agent alive
  }

  @Test
  void execStreamsStdoutStderrAndExitCode() throws Exception {
    TunnelSession s = connect(agent.token());
    Result r = exec(s, OpenRequest.exec(List.of("sh", "-c", "echo out; echo err >&2; exit 7"), null, null), null);
    assertThat(r.out()).isEqualTo("out\n");
    assertThat(r.err()).isEqualTo("err\n");
    assertThat(r.exit().code()).isEqualTo(7);

    Result killed = exec(s, OpenRequest.exec(List.of("sh", "-c", "kill -9 $$"), null, null), null);
    assertThat(killed.exit().signal()).isEqualTo("KILL");
    assertThat(killed.exit().shellCode()).isEqualTo(137);

    Result cat = exec(s, OpenRequest.exec(List.of("cat"), Map.of(), "/"), "hello stdin\n");
    assertThat(cat.out()).isEqualTo("hello stdin\n");
    assertThat(cat.exit().code()).isZero();

    Result env = exec(s, OpenRequest.exec(List.of("sh", "-c", "echo $FOO; env | grep -c CDE_AGENT_ || true"),
        Map.of("FOO", "bar"), null), null);
    assertThat(env.out()).isEqualTo("bar\n0\n");
    s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
  }

  @Test
  void unknownCommandIsRefusedWithReason() throws Exception {
    TunnelSession s = connect(agent.token());
    assertThatThrownBy(() -> await(s.open(OpenRequest.exec(List.of("/no/such/binary"), null, null))))
        .hasRootCauseInstanceOf(ChannelOpenException.class)
        .hasMessageContaining("/no/such/binary");
    assertThatThrownBy(() -> await(s.open(new OpenRequest("teleport", null, null, null, null, null, null, null, null, null, null, null))))
        .hasMessageContaining("unknown channel kind");
    assertThatThrownBy(() -> await(s.open(OpenRequest.tcp("10.1.2.3", 80))))
        .hasMessageContaining("not allowed");
    s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
  }

  @Test
  void ptyRunsATerminalAndResizes() throws Exception {
    TunnelSession s = connect(agent.token());
    Channel ch = await(s.open(OpenRequest.pty(List.of("sh"), Map.of(), 100, 30, "xterm")));
    StringBuffer out = new StringBuffer();
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    ch.handler(b -> out.append(b.toString(StandardCharsets.UTF_8)));
    ch.exitHandler(exit::complete);
    ch.write(Buffer.buffer("stty size; test -t 0 && echo is-a-tty\n"));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("is-a-tty"));
    assertThat(out.toString()).contains("30 100");
    ch.request(ChannelRequest.resize(120, 40));
    ch.write(Buffer.buffer("sleep 0.2; stty size\n"));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("40 120"));
    ch.write(Buffer.buffer("exit 3\n"));
    assertThat(exit.get(10, TimeUnit.SECONDS).code()).isEqualTo(3);
    s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
  }

  @Test
  void tcpChannelReachesALocalPort() throws Exception {
    try (ServerSocket server = new ServerSocket(0)) {
      CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
        try (Socket c = server.accept()) {
          byte[] b = c.getInputStream().readNBytes(5);
          c.getOutputStream().write("pong!".getBytes(StandardCharsets.UTF_8));
          return new String(b, StandardCharsets.UTF_8);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      TunnelSession s = connect(agent.token());
      Channel ch = await(s.open(OpenRequest.tcp("127.0.0.1", server.getLocalPort())));
      StringBuffer reply = new StringBuffer();
      ch.handler(b -> reply.append(b.toString(StandardCharsets.UTF_8)));
      ch.write(Buffer.buffer("ping!"));
      assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("ping!");
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reply.toString().equals("pong!"));
      s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
    }
  }

  @Test
  void tcpChannelsReachOnlyTheHostsInCdeTcpAllow() throws Exception {
    TunnelSession s = connect(agent.token());
    try {
      // The cloud metadata service (an instance's credentials), another host, a spelling of loopback not listed.
      for (String host : List.of("169.254.169.254", "10.0.0.1", "127.1")) {
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> s.open(OpenRequest.tcp(host, 80))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertThat(refused).as(host).hasRootCauseMessage("tcp to " + host
            + " is not allowed (CDE_TCP_ALLOW=127.0.0.1,localhost,::1)");
      }
    } finally {
      s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
    }
  }

  @Test
  void forgedExpiredMissingAndForeignTokensAreRefused() throws Exception {
    String forged = TunnelTokens.issue(TunnelTokens.generateKeyPair().getPrivate(), agent.sessionId, Duration.ofMinutes(5));
    String expired = TunnelTokens.issue(agent.keys.getPrivate(), agent.sessionId, Duration.ofMinutes(-5));
    String foreign = TunnelTokens.issue(agent.keys.getPrivate(), "s-other", Duration.ofMinutes(5));
    for (var c : List.of(new Object[] {forged, "bad token signature"}, new Object[] {expired, "token expired"},
        new Object[] {foreign, "another session"}, new Object[] {null, "missing token"},
        new Object[] {"not-a-jwt", "invalid token"})) {
      assertThatThrownBy(() -> connect((String) c[0]))
          .hasRootCauseInstanceOf(TunnelRejectedException.class)
          .hasMessageContaining("401")
          .hasMessageContaining((String) c[1]);
    }
    // and the agent still serves good tokens
    TunnelSession s = connect(agent.token());
    assertThat(await(s.remoteHello()).role()).isEqualTo("agent");
    s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
  }

  /**
   * An agent started without CDE_SESSION_ID (a Function Compute function or Cloud Run service, whose environment
   * every session shares) serves the session of the first token it admits, with the variables sent with it, and
   * refuses every other session from then on.
   */
  @Test
  void withoutItsSessionInItsEnvironmentTheFirstConnectionBindsTheAgent() throws Exception {
    try (AgentProcess shared = new AgentProcess(Map.of("CDE_SESSION_ID", ""))) {
      String first = TunnelTokens.issue(shared.keys.getPrivate(), "s-first", Duration.ofMinutes(5));
      String env = dev.cde.tunnel.SessionEnvHeader.encode(Map.of("CDE_MAX_LIFETIME_SECONDS", "660",
          "NIX_CONFIG", "extra-trusted-public-keys = cde:abc", "CDE_SESSION_ID", "s-first"));
      TunnelSession s = await(TunnelClient.connect(vertx, http, URI.create(shared.endpoint()),
          Map.of("Authorization", "Bearer " + first, dev.cde.tunnel.SessionEnvHeader.NAME, env),
          Hello.of("bridge", "test"), new TunnelOptions()));
      Result r = exec(s, OpenRequest.exec(List.of("sh", "-c",
          "echo \"$CDE_MAX_LIFETIME_SECONDS|$NIX_CONFIG|${CDE_SESSION_ID:-hidden}\""), null, null), null);
      assertThat(r.out()).isEqualTo("660|extra-trusted-public-keys = cde:abc|hidden\n");
      assertThat(shared.log()).contains("serving session s-first (3 variables of its own)");

      String other = TunnelTokens.issue(shared.keys.getPrivate(), "s-second", Duration.ofMinutes(5));
      assertThatThrownBy(() -> connect(shared, other)).hasRootCauseInstanceOf(TunnelRejectedException.class)
          .hasMessageContaining("401").hasMessageContaining("another session");
      s.fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
    }
    // a header that is not base64url JSON of strings is refused with what is wrong, and binds nothing
    try (AgentProcess shared = new AgentProcess(Map.of("CDE_SESSION_ID", ""))) {
      String token = TunnelTokens.issue(shared.keys.getPrivate(), "s-first", Duration.ofMinutes(5));
      assertThatThrownBy(() -> await(TunnelClient.connect(vertx, http, URI.create(shared.endpoint()),
          Map.of("Authorization", "Bearer " + token, dev.cde.tunnel.SessionEnvHeader.NAME, "%%%"),
          Hello.of("bridge", "test"), new TunnelOptions()))).hasRootCauseInstanceOf(TunnelRejectedException.class)
          .hasMessageContaining("401").hasMessageContaining("X-Cde-Session-Env is not base64url");
      String second = TunnelTokens.issue(shared.keys.getPrivate(), "s-second", Duration.ofMinutes(5));
      connect(shared, second).fail(dev.cde.tunnel.codec.ErrorCode.INTERNAL, "test done");
    }
  }

  @Test
  void startsFastAndExitsWhenTheSessionEnds() throws Exception {
    try (AgentProcess other = new AgentProcess(Map.of())) {
      System.out.println("second agent ready after " + other.readyMillis + " ms");
      Vertx v = vertx;
      TunnelSession s = await(TunnelClient.connect(v, http, URI.create(other.endpoint()),
          Map.of("Authorization", "Bearer " + other.token()), Hello.of("bridge", "test"), new TunnelOptions()));
      s.close("session ended by test");
      assertThat(other.exited.get(10, TimeUnit.SECONDS)).isZero();
      assertThat(other.log()).contains("exiting: session ended");
    }
  }

  @Test
  void exitsWhenIdleAndAtMaxLifetime() throws Exception {
    try (AgentProcess idle = new AgentProcess(Map.of("CDE_IDLE_TIMEOUT_SECONDS", "1"))) {
      assertThat(idle.exited.get(10, TimeUnit.SECONDS)).isZero();
      assertThat(idle.log()).contains("exiting: idle for 1 s");
    }
    try (AgentProcess old = new AgentProcess(Map.of("CDE_MAX_LIFETIME_SECONDS", "2"))) {
      TunnelSession s = connect(old, old.token());
      assertThat(old.exited.get(10, TimeUnit.SECONDS)).isZero();
      assertThat(old.log()).contains("exiting: max lifetime");
      assertThat(await(s.closed())).contains("max lifetime");
    }
  }

  TunnelSession connect(AgentProcess a, String token) throws Exception {
    return await(TunnelClient.connect(vertx, http, URI.create(a.endpoint()),
        Map.of("Authorization", "Bearer " + token), Hello.of("bridge", "test"), new TunnelOptions()));
  }

  @Test
  void missingPublicKeyIsAClearStartupError() throws Exception {
    Process p = new ProcessBuilder("java", "-jar", "target/cde-agent.jar").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(2);
    assertThat(out).contains("CDE_AGENT_PUBLIC_KEY is not set");
  }
}
