package dev.cde.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cde.tunnel.codec.FrameCodec;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Resume over real WebSockets through a TCP proxy that the test cuts: output streams on while the
 * connection is cut and re-dialed, and arrives exactly once, in order; past the grace period both sides end
 * the session and say why. The server side is a {@link TunnelAcceptor}, as in the agent.
 */
class TunnelResumeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static Vertx vertx;
  private static HttpClient http;

  private final List<HttpServer> servers = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<TunnelSession> clients = new CopyOnWriteArrayList<>();
  private final List<TunnelSession> serverSessions = new CopyOnWriteArrayList<>();
  private final List<Channel> serverChannels = new CopyOnWriteArrayList<>();
  private final List<Producer> producers = new CopyOnWriteArrayList<>();
  /** What the server received on its channels from the client, checked against the client's pattern. */
  private final Verifier upstream = new Verifier("in ");

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    http = TunnelClient.httpClient(vertx);
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (TunnelSession s : clients) {
      s.close("test over").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (HttpServer s : servers) {
      s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ tests

  @Test
  void outputSurvivesThreeCutsWithoutLossOrRepeat() throws Exception {
    TunnelOptions options = new TunnelOptions().resumeGrace(Duration.ofSeconds(30));
    TunnelAcceptor acceptor = new TunnelAcceptor(vertx, options);
    CuttableProxy proxy = proxy(server(acceptor));
    TunnelSession client = resumableClient(proxy.port(), new TunnelOptions());
    assertThat(client.resumable()).isTrue();

    long total = 20L * 1024 * 1024;
    long upTotal = 2L * 1024 * 1024;
    Verifier downstream = new Verifier("line ");
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    Channel ch = get(client.open(OpenRequest.exec(List.of("stream", Long.toString(total)), null, null)));
    long[] cutAt = {5L << 20, 10L << 20, 15L << 20};
    ch.exitHandler(exit::complete);
    ch.closeHandler(reason -> exit.completeExceptionally(new AssertionError("channel closed: " + reason)));
    ch.handler(b -> {
      long before = downstream.bytes();
      downstream.accept(b);
      for (long at : cutAt) {
        if (before < at && downstream.bytes() >= at) {
          proxy.cut(); // mid-stream: frames are in flight both ways
        }
      }
    });
    // Meanwhile the client streams its own numbered input to the server, across the same cuts.
    new Producer(ch, "in ", upTotal, () -> ch.end()).start();

    ExitStatus status = exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(status.code()).isZero();
    assertThat(proxy.cuts()).isEqualTo(3);
    assertThat(downstream.mismatch()).as("first byte that differs from what was sent").isNull();
    assertThat(downstream.bytes()).isEqualTo(total);
    await().atMost(WAIT).until(() -> upstream.bytes() >= upTotal);
    assertThat(upstream.mismatch()).isNull();
    assertThat(upstream.bytes()).isEqualTo(upTotal);
    assertThat(client.resumeCount()).isEqualTo(3);
    TunnelSession server = serverSessions.get(0);
    assertThat(server.resumeCount()).isEqualTo(3);
    assertThat(server.replayHighWater()).isLessThanOrEqualTo(options.replayBufferCap());
    assertThat(client.replayHighWater()).isLessThanOrEqualTo(new TunnelOptions().replayBufferCap());
    assertThat(client.isClosed()).isFalse();
    assertThat(acceptor.sessions()).isEqualTo(1);
  }

  @Test
  void pastTheGracePeriodBothSidesEndTheSessionAndSayWhy() throws Exception {
    TunnelAcceptor acceptor = new TunnelAcceptor(vertx, new TunnelOptions().resumeGrace(Duration.ofSeconds(1)));
    CuttableProxy proxy = proxy(server(acceptor));
    TunnelSession client = resumableClient(proxy.port(), new TunnelOptions());
    Channel ch = get(client.open(OpenRequest.exec(List.of("hold"), null, null)));
    CompletableFuture<String> clientChannel = new CompletableFuture<>();
    ch.closeHandler(clientChannel::complete);
    await().atMost(WAIT).until(() -> serverChannels.size() == 1);
    CompletableFuture<String> serverChannel = new CompletableFuture<>();
    serverChannels.get(0).closeHandler(serverChannel::complete);

    proxy.refuse(true); // the instance is unreachable from now on
    proxy.cut();
    await().atMost(WAIT).until(client::isSuspended);
    assertThat(ch.isClosed()).as("within the grace the channel lives on").isFalse();

    String clientReason = client.closed().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(clientReason).startsWith("tunnel lost for more than 1 s: connection closed");
    assertThat(clientChannel.get(5, TimeUnit.SECONDS)).isEqualTo(clientReason);
    String serverReason = serverSessions.get(0).closed().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(serverReason).startsWith("tunnel lost for more than 1 s: connection closed");
    assertThat(serverChannel.get(5, TimeUnit.SECONDS)).isEqualTo(serverReason);
    assertThat(acceptor.sessions()).isZero();
    assertThat(client.isSuspended()).isFalse();
  }

  /**
   * A consumer that catches up with data received before a drop asks for an RTT probe while the tunnel is
   * suspended; that PING must not go out ahead of RESUME on the new connection, which the peer refuses (found by the
   * bridge's resume test: "expected RESUME first on a resumed connection, got PING").
   */
  @Test
  void aProbeAskedForWhileSuspendedDoesNotGoAheadOfResume() throws Exception {
    TunnelAcceptor acceptor = new TunnelAcceptor(vertx, new TunnelOptions().resumeGrace(Duration.ofSeconds(30)));
    CuttableProxy proxy = proxy(server(acceptor));
    Context ctx = vertx.getOrCreateContext();
    TunnelSession client = resumableClient(proxy.port(), new TunnelOptions(), ctx);
    Channel held = get(client.open(OpenRequest.exec(List.of("hold"), null, null))); // a job the drop must not end
    await().atMost(WAIT).until(() -> serverChannels.size() == 1);
    proxy.refuse(true);
    proxy.cut();
    await().atMost(WAIT).until(client::isSuspended);
    CompletableFuture<Void> probed = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      client.probeRtt();
      probed.complete(null);
    });
    probed.get(5, TimeUnit.SECONDS);
    proxy.refuse(false);
    await().atMost(WAIT).until(() -> client.resumeCount() == 1);
    assertThat(client.isClosed()).isFalse();
    assertThat(held.isClosed()).isFalse();
    Channel ch = get(client.open(OpenRequest.exec(List.of("stream", "1000"), null, null)));
    Verifier out = new Verifier("line ");
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    ch.exitHandler(exit::complete);
    ch.handler(out::accept);
    assertThat(exit.get(20, TimeUnit.SECONDS).code()).isZero();
    assertThat(out.bytes()).isEqualTo(1000);
  }

  @Test
  void aResumeOfAnEndedSessionIsRefusedClearly() throws Exception {
    TunnelAcceptor acceptor = new TunnelAcceptor(vertx, new TunnelOptions().resumeGrace(Duration.ofSeconds(30)));
    CuttableProxy proxy = proxy(server(acceptor));
    TunnelSession client = resumableClient(proxy.port(), new TunnelOptions());
    get(client.open(OpenRequest.exec(List.of("hold"), null, null)));
    await().atMost(WAIT).until(() -> serverSessions.size() == 1);
    proxy.stallUpstream(true); // the server cannot learn of the client's re-dial yet
    proxy.cut();
    // The server's side of the session ends for good meanwhile (e.g. the instance restarted its agent).
    serverSessions.get(0).close("agent restarted");
    proxy.stallUpstream(false);
    String reason = client.closed().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(reason).contains("not resumed").contains("REFUSED").contains("no session to resume");
  }

  @Test
  void theReplayBufferStaysWithinItsCapAndStopsTheWriter() throws Exception {
    long cap = 80 * 1024;
    TunnelOptions options = new TunnelOptions().replayBufferCap(cap).resumeGrace(Duration.ofSeconds(30));
    TunnelAcceptor acceptor = new TunnelAcceptor(vertx, options);
    CuttableProxy proxy = proxy(server(acceptor));
    TunnelSession client = resumableClient(proxy.port(), new TunnelOptions());
    long total = 4L * 1024 * 1024;
    Verifier downstream = new Verifier("line ");
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    Channel ch = get(client.open(OpenRequest.exec(List.of("stream", Long.toString(total)), null, null)));
    ch.exitHandler(exit::complete);
    ch.handler(b -> {
      long before = downstream.bytes();
      downstream.accept(b);
      if (before < 512 * 1024 && downstream.bytes() >= 512 * 1024) {
        proxy.stallUpstream(true); // no more ACKs (nor credit) reach the server
      }
    });
    await().atMost(WAIT).until(() -> downstream.bytes() >= 512 * 1024);
    TunnelSession server = serverSessions.get(0);
    Producer producer = producers.get(0);
    // The server sends until its replay buffer is full, then its writer waits; memory stays at the cap.
    await().atMost(WAIT).until(() -> server.replayBufferedBytes() > cap - 2 * (FrameCodec.MAX_DATA_PAYLOAD + 12));
    long settled = downstream.bytes();
    long produced = producer.written();
    Thread.sleep(500);
    assertThat(downstream.bytes()).as("nothing more was sent while nothing was acknowledged").isEqualTo(settled);
    assertThat(producer.written()).as("the writer waits (back-pressure), it does not queue without end").isEqualTo(produced);
    assertThat(produced).isLessThan(settled + cap + 2L * new TunnelOptions().channelWriteQueue());
    assertThat(server.replayBufferedBytes()).isLessThanOrEqualTo(cap);
    assertThat(exit).isNotDone();

    proxy.stallUpstream(false);
    assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS).code()).isZero();
    assertThat(downstream.mismatch()).isNull();
    assertThat(downstream.bytes()).isEqualTo(total);
    assertThat(server.replayHighWater()).isLessThanOrEqualTo(cap);
  }

  @Test
  void aDialerWithoutResumeStillWorksAndADropEndsItsChannels() throws Exception {
    TunnelAcceptor acceptor = new TunnelAcceptor(vertx, new TunnelOptions());
    CuttableProxy proxy = proxy(server(acceptor));
    Context ctx = vertx.getOrCreateContext();
    CompletableFuture<TunnelSession> dialed = new CompletableFuture<>();
    ctx.runOnContext(v -> TunnelClient.connect(vertx, http, URI.create("ws://127.0.0.1:" + proxy.port() + "/tunnel"),
        Map.of(), Hello.of("client", "old-client/1"), new TunnelOptions()).onComplete(ar -> {
          if (ar.succeeded()) {
            dialed.complete(ar.result());
          } else {
            dialed.completeExceptionally(ar.cause());
          }
        }));
    TunnelSession client = dialed.get(20, TimeUnit.SECONDS);
    clients.add(client);
    assertThat(client.resumable()).isFalse();
    Channel ch = get(client.open(OpenRequest.exec(List.of("stream", "100000"), null, null)));
    Verifier out = new Verifier("line ");
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    ch.exitHandler(exit::complete); // before the data handler, which starts delivery
    ch.handler(out::accept);
    assertThat(exit.get(20, TimeUnit.SECONDS).code()).isZero();
    assertThat(out.bytes()).isEqualTo(100000);
    assertThat(serverSessions.get(0).resumable()).isFalse();
    assertThat(serverSessions.get(0).replayBufferedBytes()).isZero();

    Channel held = get(client.open(OpenRequest.exec(List.of("hold"), null, null)));
    CompletableFuture<String> closed = new CompletableFuture<>();
    held.closeHandler(closed::complete);
    proxy.cut();
    assertThat(closed.get(20, TimeUnit.SECONDS)).startsWith("connection closed");
  }

  // ------------------------------------------------------------------ fixtures

  private int server(TunnelAcceptor acceptor) throws Exception {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
        .setMaxWebSocketMessageSize(FrameCodec.MAX_MESSAGE));
    server.requestHandler(req -> req.toWebSocket().onSuccess(ws -> acceptor.accept(ws,
        Hello.of("agent", "test-agent/1"), "server@" + ws.remoteAddress(), s -> {
          serverSessions.add(s);
          s.openHandler(this::accept);
        })));
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    servers.add(server);
    return server.actualPort();
  }

  private CuttableProxy proxy(int port) throws Exception {
    CuttableProxy proxy = new CuttableProxy(vertx, port);
    closeables.add(proxy);
    return proxy;
  }

  private TunnelSession resumableClient(int port, TunnelOptions options) throws Exception {
    return resumableClient(port, options, vertx.getOrCreateContext());
  }

  /** Dialed from {@code ctx}, which becomes the session's loop. */
  private TunnelSession resumableClient(int port, TunnelOptions options, Context ctx) throws Exception {
    CompletableFuture<TunnelSession> dialed = new CompletableFuture<>();
    ctx.runOnContext(v -> TunnelClient.connectResumable(vertx, http, URI.create("ws://127.0.0.1:" + port + "/tunnel"),
        Map::of, Hello.of("client", "test-client/1"), options).onComplete(ar -> {
          if (ar.succeeded()) {
            dialed.complete(ar.result());
          } else {
            dialed.completeExceptionally(ar.cause());
          }
        }));
    TunnelSession s = dialed.get(20, TimeUnit.SECONDS);
    clients.add(s);
    return s;
  }

  /** {@code stream N}: N bytes of numbered lines, then exit 0; {@code hold}: nothing. Input is checked. */
  private void accept(IncomingOpen open) {
    Channel ch = open.accept();
    serverChannels.add(ch);
    ch.handler(upstream::accept);
    List<String> argv = open.request().argv();
    if ("stream".equals(argv.get(0))) {
      Producer p = new Producer(ch, "line ", Long.parseLong(argv.get(1)), () -> ch.exit(ExitStatus.code(0)));
      producers.add(p);
      p.start();
    }
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** Byte {@code i} of the stream of lines {@code <prefix><8-digit number>\n}, numbered from 0. */
  static byte expected(String prefix, long i) {
    int lineLength = prefix.length() + 9;
    long line = i / lineLength;
    int col = (int) (i % lineLength);
    if (col < prefix.length()) {
      return (byte) prefix.charAt(col);
    }
    if (col == lineLength - 1) {
      return '\n';
    }
    long digit = line;
    for (int k = 0; k < lineLength - 2 - col; k++) {
      digit /= 10;
    }
    return (byte) ('0' + digit % 10);
  }

  /** Writes {@code total} bytes of the numbered stream, as fast as the channel takes them, then {@code done}. */
  private static final class Producer {
    private final Channel ch;
    private final String prefix;
    private final long total;
    private final Runnable done;
    private volatile long written;
    private boolean finished;

    Producer(Channel ch, String prefix, long total, Runnable done) {
      this.ch = ch;
      this.prefix = prefix;
      this.total = total;
      this.done = done;
    }

    void start() {
      ch.session().onLoop(this::pump);
    }

    long written() {
      return written;
    }

    private void pump() {
      while (written < total && !ch.writeQueueFull()) {
        int n = (int) Math.min(30_000, total - written);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
          b[i] = expected(prefix, written + i);
        }
        written += n;
        ch.write(Buffer.buffer(b));
      }
      if (written < total) {
        ch.drainHandler(v -> pump());
      } else if (!finished) {
        finished = true;
        done.run();
      }
    }
  }

  /** Checks received bytes against the numbered stream: counts them and keeps the first difference. */
  static final class Verifier {
    private final String prefix;
    private final AtomicLong bytes = new AtomicLong();
    private volatile String mismatch;

    Verifier(String prefix) {
      this.prefix = prefix;
    }

    void accept(Buffer b) {
      long at = bytes.get();
      byte[] got = b.getBytes();
      for (int i = 0; i < got.length && mismatch == null; i++) {
        if (got[i] != expected(prefix, at + i)) {
          int from = Math.max(0, i - 20);
          mismatch = "at byte " + (at + i) + ": got '" + new String(got, from, Math.min(got.length - from, 40),
              StandardCharsets.US_ASCII) + "'";
        }
      }
      bytes.addAndGet(got.length);
    }

    long bytes() {
      return bytes.get();
    }

    String mismatch() {
      return mismatch;
    }
  }
}
