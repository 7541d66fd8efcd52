package dev.cde.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.Frame;
import dev.cde.tunnel.codec.FrameCodec;
import dev.cde.tunnel.codec.FrameType;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Failure;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real WebSocket server and clients on 127.0.0.1. The server side accepts channels by name: for
 * {@code tcp} opens the host picks the behaviour (echo, sink, hold, reset, deny), for {@code exec}
 * the first argument does (output, deny).
 */
class TunnelSessionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static Vertx vertx;
  private static HttpClient http;

  private final List<HttpServer> servers = new ArrayList<>();
  private final List<TunnelSession> clients = new CopyOnWriteArrayList<>();
  private final List<TunnelSession> serverSessions = new CopyOnWriteArrayList<>();
  private final List<Channel> serverChannels = new CopyOnWriteArrayList<>();
  private final AtomicLong held = new AtomicLong();
  private final AtomicReference<byte[]> sinkDigest = new AtomicReference<>();
  private final AtomicLong sinkBytes = new AtomicLong();
  private final Map<TunnelSession, Context> contexts = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    http = TunnelClient.httpClient(vertx);
  }

  @AfterAll
  static void stopVertx() throws Exception {
    get(vertx.close());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (TunnelSession s : clients) {
      get(s.close("test over"));
    }
    for (HttpServer s : servers) {
      get(s.close());
    }
  }

  // ------------------------------------------------------------------ fixtures

  private int server(TunnelOptions options) throws Exception {
    return server(options, s -> s.openHandler(this::accept));
  }

  private int server(TunnelOptions options, Consumer<TunnelSession> onSession) throws Exception {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
        .setMaxWebSocketMessageSize(FrameCodec.MAX_MESSAGE));
    server.requestHandler(req -> req.toWebSocket().onSuccess(ws -> {
      TunnelSession s = TunnelSession.start(vertx, ws, false, Hello.of("agent", "test-agent/1"), options,
          "server@" + ws.remoteAddress());
      serverSessions.add(s);
      onSession.accept(s);
    }));
    get(server.listen());
    servers.add(server);
    return server.actualPort();
  }

  private TunnelSession client(int port) throws Exception {
    return client(port, new TunnelOptions());
  }

  private TunnelSession client(int port, TunnelOptions options) throws Exception {
    // Dial from a context of our own, so the session lives on it and tests can run code on its loop.
    Context ctx = vertx.getOrCreateContext();
    CompletableFuture<TunnelSession> dialed = new CompletableFuture<>();
    ctx.runOnContext(v -> TunnelClient.connect(vertx, http, URI.create("ws://127.0.0.1:" + port + "/tunnel"),
        Map.of(), Hello.of("client", "test-client/1"), options).onComplete(ar -> {
          if (ar.succeeded()) {
            dialed.complete(ar.result());
          } else {
            dialed.completeExceptionally(ar.cause());
          }
        }));
    TunnelSession s = dialed.get(20, TimeUnit.SECONDS);
    clients.add(s);
    contexts.put(s, ctx);
    return s;
  }

  private void accept(IncomingOpen open) {
    OpenRequest req = open.request();
    String what = OpenRequest.TCP.equals(req.kind()) ? req.host() : req.argv().get(0);
    switch (what) {
      case "deny" -> open.reject(ErrorCode.UNAUTHORIZED, "not allowed here");
      case "echo" -> {
        Channel ch = open.accept();
        serverChannels.add(ch);
        ch.handler(ch::write).endHandler(v -> ch.end());
      }
      case "hold" -> {
        Channel ch = open.accept();
        serverChannels.add(ch);
        ch.manualAck().handler(b -> held.addAndGet(b.length()));
      }
      case "sink" -> {
        Channel ch = open.accept();
        MessageDigest sha = sha256();
        // A slow consumer: each buffer is "written" a few ms later, and only then acknowledged.
        ch.manualAck().handler(b -> {
          sha.update(b.getBytes());
          vertx.setTimer(2, t -> {
            sinkBytes.addAndGet(b.length());
            ch.ack(b.length());
          });
        }).endHandler(v -> {
          sinkDigest.set(sha.digest());
          ch.end();
        });
      }
      case "reset" -> {
        Channel ch = open.accept();
        ch.handler(b -> ch.reset(ErrorCode.INTERNAL, "boom"));
      }
      case "output" -> {
        Channel ch = open.accept();
        int chunks = Integer.parseInt(req.argv().get(1));
        for (int i = 0; i < chunks; i++) {
          ch.write(pattern(32 * 1024, i));
        }
        ch.writeErr(Buffer.buffer("warning\n"));
        ch.exit(ExitStatus.code(3));
      }
      default -> open.reject(ErrorCode.REFUSED, "unknown test target " + what);
    }
  }

  // ------------------------------------------------------------------ session basics

  @Test
  void exchangesHello() throws Exception {
    int port = server(new TunnelOptions());
    TunnelSession c = client(port);
    Hello server = c.remoteHello().result();
    assertThat(server.role()).isEqualTo("agent");
    assertThat(server.software()).isEqualTo("test-agent/1");
    assertThat(server.protocol()).isEqualTo(1);
    await().atMost(WAIT).until(() -> serverSessions.size() == 1 && serverSessions.get(0).remoteHello().isComplete());
    assertThat(serverSessions.get(0).remoteHello().result().role()).isEqualTo("client");
  }

  @Test
  void opensAndRejectsChannels() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    Channel ch = get(c.open(OpenRequest.tcp("echo", 7)));
    assertThat(ch.id() % 2).as("client ids are odd").isEqualTo(1);
    Channel second = get(c.open(OpenRequest.tcp("echo", 7)));
    assertThat(second.id()).isGreaterThan(ch.id());

    assertThatThrownBy(() -> get(c.open(OpenRequest.exec(List.of("deny"), Map.of(), null))))
        .isInstanceOfSatisfying(ChannelOpenException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
          assertThat(e.getMessage()).isEqualTo("not allowed here");
        });
    // The session survives a refused open.
    assertThat(echo(get(c.open(OpenRequest.tcp("echo", 7))), Buffer.buffer("still here")).toString())
        .isEqualTo("still here");
  }

  @Test
  void sideWithoutOpenHandlerRefusesOpens() throws Exception {
    AtomicReference<TunnelSession> srv = new AtomicReference<>();
    int port = server(new TunnelOptions(), s -> {
      srv.set(s);
      s.openHandler(this::accept);
    });
    client(port);
    await().atMost(WAIT).until(() -> srv.get() != null && srv.get().remoteHello().isComplete());
    // Server-initiated opens use even ids; the client has no open handler.
    assertThatThrownBy(() -> get(srv.get().open(OpenRequest.tcp("echo", 7))))
        .isInstanceOfSatisfying(ChannelOpenException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.REFUSED);
          assertThat(e.getMessage()).isEqualTo("this side accepts no channels");
        });
  }

  @Test
  void echoesData() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    Channel ch = get(c.open(OpenRequest.tcp("echo", 7)));
    Buffer big = pattern(1024 * 1024, 5);
    assertThat(echo(ch, big).getBytes()).isEqualTo(big.getBytes());
  }

  @Test
  void halfCloseKeepsTheOtherDirectionOpen() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    Channel ch = get(c.open(OpenRequest.tcp("echo", 7)));
    Buffer got = Buffer.buffer();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    ch.handler(got::appendBuffer).endHandler(v -> ended.complete(null));
    get(ch.write(Buffer.buffer("before eof")));
    get(ch.end());
    // The server still answers after our EOF (the echo handler writes what arrived, then ends).
    ended.get(20, TimeUnit.SECONDS);
    assertThat(got.toString()).isEqualTo("before eof");
    // Both EOFs close a tcp channel cleanly on both sides.
    assertThat(get(ch.closed())).isEqualTo("closed");
    assertThat(ch.closedCleanly()).isTrue();
    await().atMost(WAIT).until(() -> serverChannels.get(0).isClosed());
    assertThat(serverChannels.get(0).closedCleanly()).isTrue();
    // Writing after EOF fails locally.
    assertThatThrownBy(() -> get(ch.write(Buffer.buffer("late")))).hasMessageContaining("closed");
  }

  @Test
  void exitArrivesAfterAllOutput() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    int chunks = 64; // 2 MiB, eight times the initial window
    Channel ch = get(c.open(OpenRequest.exec(List.of("output", String.valueOf(chunks)), Map.of(), null)));
    AtomicLong out = new AtomicLong();
    StringBuilder err = new StringBuilder();
    CompletableFuture<long[]> exit = new CompletableFuture<>();
    ch.handler(b -> out.addAndGet(b.length()))
        .errHandler(b -> err.append(b.toString()))
        .exitHandler(s -> exit.complete(new long[] {s.shellCode(), out.get()}));
    long[] result = exit.get(20, TimeUnit.SECONDS);
    assertThat(result[0]).isEqualTo(3);
    assertThat(result[1]).as("bytes received when the exit handler ran").isEqualTo(chunks * 32L * 1024);
    assertThat(err.toString()).isEqualTo("warning\n");
    assertThat(get(ch.closed())).isEqualTo("exit code 3");
    assertThat(ch.closedCleanly()).isTrue();
  }

  @Test
  void resetClosesTheChannelWithTheReason() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    Channel ch = get(c.open(OpenRequest.tcp("reset", 7)));
    AtomicReference<String> why = new AtomicReference<>();
    ch.handler(b -> { }).closeHandler(why::set);
    ch.write(Buffer.buffer("x"));
    await().atMost(WAIT).until(() -> why.get() != null);
    assertThat(why.get()).isEqualTo("reset by peer: boom");
    assertThat(ch.closedCleanly()).isFalse();
    // The session is unaffected.
    assertThat(echo(get(c.open(OpenRequest.tcp("echo", 7))), Buffer.buffer("ok")).toString()).isEqualTo("ok");
  }

  // ------------------------------------------------------------------ flow control

  @Test
  void slowConsumerGetsEveryByteWhileAnotherChannelStaysResponsive() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    long total = 64L * 1024 * 1024;
    Channel bulk = get(c.open(OpenRequest.tcp("sink", 9)));
    Channel interactive = get(c.open(OpenRequest.tcp("echo", 7)));

    MessageDigest sent = sha256();
    CompletableFuture<Void> bulkClosed = bulk.closed().toCompletionStage().toCompletableFuture().thenApply(r -> null);
    bulk.handler(b -> { });
    // Pump on the session's loop, honouring writeQueueFull()/drainHandler like any WriteStream user.
    var pump = new Object() {
      final SplittableRandom random = new SplittableRandom(42);
      long written;

      void pump() {
        while (written < total) {
          if (bulk.writeQueueFull()) {
            bulk.drainHandler(v -> pump());
            return;
          }
          byte[] chunk = new byte[64 * 1024];
          random.nextBytes(chunk);
          sent.update(chunk);
          bulk.write(Buffer.buffer(chunk));
          written += chunk.length;
        }
        bulk.end();
      }
    };
    contexts.get(c).runOnContext(v -> pump.pump());

    // Meanwhile: small round trips on the second channel.
    List<Long> rtts = new CopyOnWriteArrayList<>();
    Buffer probe = Buffer.buffer("ping-0123456789abcdef");
    while (!bulkClosed.isDone() || rtts.size() < 50) {
      long t0 = System.nanoTime();
      assertThat(echo(interactive, probe).toString()).isEqualTo(probe.toString());
      rtts.add(System.nanoTime() - t0);
      if (rtts.size() > 5000) {
        break;
      }
    }
    try {
      bulkClosed.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("bulk transfer stalled: " + pump.written + " bytes written, "
          + sinkBytes.get() + " consumed", e);
    }
    await().atMost(WAIT).until(() -> sinkDigest.get() != null);
    assertThat(sinkDigest.get()).as("SHA-256 of what the slow consumer got").isEqualTo(sent.digest());
    await().atMost(WAIT).until(() -> sinkBytes.get() == total);
    long[] sorted = rtts.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("echo round trips during 64 MiB bulk transfer: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms%n",
        sorted.length, sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  @Test
  void manyChannelsAtOnce() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    List<Future<Buffer>> results = new ArrayList<>();
    List<Buffer> inputs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Buffer data = pattern(1024 * 1024 + i * 4099, i);
      inputs.add(data);
      results.add(c.open(OpenRequest.tcp("echo", 7)).compose(ch -> echoAsync(ch, data)));
    }
    for (int i = 0; i < 8; i++) {
      assertThat(get(results.get(i)).getBytes()).as("channel " + i).isEqualTo(inputs.get(i).getBytes());
    }
  }

  @Test
  void senderStopsAtTheInitialWindowWhenTheConsumerNeverAcks() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    Channel ch = get(c.open(OpenRequest.tcp("hold", 7)));
    List<Future<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      writes.add(ch.write(pattern(TunnelOptions.INITIAL_WINDOW, i)));
    }
    await().atMost(WAIT).until(() -> held.get() == TunnelOptions.INITIAL_WINDOW);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
        .until(() -> held.get() == TunnelOptions.INITIAL_WINDOW);
    assertThat(get(writes.get(0))).isNull();
    assertThat(writes.subList(1, 4)).allMatch(f -> !f.isComplete(), "later writes stay queued");
    assertThat(ch.writeQueueFull()).isTrue();
  }

  @Test
  void creditViolationClosesOnlyTheOffendingConnection() throws Exception {
    int port = server(new TunnelOptions());
    TunnelSession good = client(port);
    Channel goodCh = get(good.open(OpenRequest.tcp("echo", 7)));

    RawPeer raw = RawPeer.connect(port);
    raw.send(hello());
    raw.send(Frame.of(FrameType.OPEN, 1, Json.encode(OpenRequest.tcp("hold", 7))));
    await().atMost(WAIT).until(() -> raw.received(FrameType.OPEN_OK).isPresent());
    // Exactly the initial window is fine...
    int frame = FrameCodec.MAX_DATA_PAYLOAD;
    List<Frame> window = new ArrayList<>();
    for (int i = 0; i < TunnelOptions.INITIAL_WINDOW / frame; i++) {
      window.add(Frame.of(FrameType.DATA, 1, pattern(frame, i)));
    }
    raw.send(window.subList(0, 4).toArray(Frame[]::new));
    raw.send(window.subList(4, 8).toArray(Frame[]::new));
    await().atMost(WAIT).until(() -> held.get() == TunnelOptions.INITIAL_WINDOW);
    assertThat(raw.closeStatus.get()).isNull();
    // ...one byte more is not.
    raw.send(Frame.of(FrameType.DATA, 1, Buffer.buffer("!")));
    raw.assertClosedWith(ErrorCode.FLOW_CONTROL_ERROR, "channel 1 received 1 bytes with only 0 granted");

    assertThat(echo(goodCh, Buffer.buffer("unaffected")).toString()).isEqualTo("unaffected");
    assertThat(good.isClosed()).isFalse();
  }

  // ------------------------------------------------------------------ broken peers

  @Test
  void malformedFrameClosesWithProtocolError() throws Exception {
    RawPeer raw = RawPeer.connect(server(new TunnelOptions()));
    raw.send(hello());
    raw.ws.writeBinaryMessage(Buffer.buffer(new byte[] {7, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}));
    raw.assertClosedWith(ErrorCode.PROTOCOL_ERROR, "unsupported protocol version 7");
  }

  @Test
  void unknownChannelClosesWithUnknownChannel() throws Exception {
    RawPeer raw = RawPeer.connect(server(new TunnelOptions()));
    raw.send(hello());
    raw.send(Frame.of(FrameType.DATA, 99, Buffer.buffer("?")));
    raw.assertClosedWith(ErrorCode.UNKNOWN_CHANNEL, "DATA for unknown channel 99");
  }

  @Test
  void framesForClosedChannelsAreDropped() throws Exception {
    RawPeer raw = RawPeer.connect(server(new TunnelOptions()));
    raw.send(hello());
    raw.send(Frame.of(FrameType.OPEN, 1, Json.encode(OpenRequest.tcp("deny", 7))));
    await().atMost(WAIT).until(() -> raw.received(FrameType.OPEN_FAIL).isPresent());
    Failure refused = Json.decode(raw.received(FrameType.OPEN_FAIL).get().payload(), Failure.class);
    assertThat(refused).isEqualTo(new Failure(ErrorCode.UNAUTHORIZED.code, "not allowed here"));
    // In flight when the channel closed: dropped, not an error.
    raw.send(Frame.of(FrameType.DATA, 1, Buffer.buffer("late")), Frame.of(FrameType.EOF, 1));
    raw.send(new Frame(FrameType.PING, 0, 0, Buffer.buffer().appendLong(77)));
    await().atMost(WAIT).until(() -> raw.frames.stream()
        .anyMatch(f -> f.type() == FrameType.PONG && f.payload().getLong(0) == 77));
    assertThat(raw.closeStatus.get()).isNull();
  }

  @Test
  void oversizedMessageClosesWithFrameTooLarge() throws Exception {
    RawPeer raw = RawPeer.connect(server(new TunnelOptions()));
    raw.send(hello());
    // Vert.x splits this into 64 KiB WebSocket frames; the server's message limit is MAX_MESSAGE.
    raw.ws.writeBinaryMessage(Buffer.buffer(new byte[FrameCodec.MAX_MESSAGE + 40_000]));
    raw.assertClosedWith(ErrorCode.FRAME_TOO_LARGE, "message exceeds 262144 bytes");
  }

  @Test
  void textMessageClosesWithProtocolError() throws Exception {
    RawPeer raw = RawPeer.connect(server(new TunnelOptions()));
    raw.send(hello());
    raw.ws.writeTextMessage("{\"hello\":1}");
    raw.assertClosedWith(ErrorCode.PROTOCOL_ERROR, "text messages are not part of the protocol");
  }

  @Test
  void frameBeforeHelloClosesWithProtocolError() throws Exception {
    RawPeer raw = RawPeer.connect(server(new TunnelOptions()));
    raw.send(Frame.of(FrameType.OPEN, 1, Json.encode(OpenRequest.tcp("echo", 7))));
    raw.assertClosedWith(ErrorCode.PROTOCOL_ERROR, "expected HELLO first, got OPEN");
  }

  @Test
  void peerThatNeverAnswersPingIsDroppedWithKeepaliveTimeout() throws Exception {
    TunnelOptions fast = new TunnelOptions().keepaliveInterval(Duration.ofMillis(200))
        .keepaliveTimeout(Duration.ofMillis(400));
    RawPeer raw = RawPeer.connect(server(fast));
    raw.send(hello());
    await().atMost(WAIT).until(() -> raw.received(FrameType.PING).isPresent());
    assertThat(raw.received(FrameType.PING).get().length()).isEqualTo(8);
    raw.assertClosedWith(ErrorCode.KEEPALIVE_TIMEOUT, "no answer to keepalive within 400 ms");
  }

  @Test
  void answeringPeersStayConnectedWithShortKeepalive() throws Exception {
    TunnelOptions fast = new TunnelOptions().keepaliveInterval(Duration.ofMillis(100))
        .keepaliveTimeout(Duration.ofMillis(2000));
    TunnelSession c = client(server(fast), fast);
    await().atMost(WAIT).until(() -> c.rttNanos() > 0);
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() -> !c.isClosed());
    assertThat(serverSessions.get(0).isClosed()).isFalse();
  }

  @Test
  void closingTheSessionEndsItsChannelsWithTheReason() throws Exception {
    TunnelSession c = client(server(new TunnelOptions()));
    Channel ch = get(c.open(OpenRequest.tcp("echo", 7)));
    Channel pending = get(c.open(OpenRequest.tcp("hold", 7)));
    await().atMost(WAIT).until(() -> serverChannels.size() == 2);
    get(serverSessions.get(0).close("maintenance"));
    assertThat(get(c.closed())).isEqualTo("peer closed: maintenance");
    assertThat(get(ch.closed())).isEqualTo("peer closed: maintenance");
    assertThat(get(pending.closed())).isEqualTo("peer closed: maintenance");
    assertThat(ch.closedCleanly()).isFalse();
    assertThat(get(serverChannels.get(0).closed())).isEqualTo("maintenance");
    assertThatThrownBy(() -> get(c.open(OpenRequest.tcp("echo", 7))))
        .isInstanceOfSatisfying(ChannelOpenException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SHUTDOWN));
  }

  @Test
  void sessionBufferCapRefusesOpens() throws Exception {
    TunnelOptions capped = new TunnelOptions().sessionBufferCap(2L * TunnelOptions.INITIAL_WINDOW);
    TunnelSession c = client(server(capped));
    get(c.open(OpenRequest.tcp("echo", 7)));
    get(c.open(OpenRequest.tcp("echo", 7)));
    assertThatThrownBy(() -> get(c.open(OpenRequest.tcp("echo", 7))))
        .isInstanceOfSatisfying(ChannelOpenException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.REFUSED);
          assertThat(e.getMessage()).isEqualTo("session buffer cap of 524288 bytes reached");
        });
  }

  // ------------------------------------------------------------------ helpers

  private static Buffer echo(Channel ch, Buffer data) throws Exception {
    return get(echoAsync(ch, data));
  }

  /** Writes data and completes with the same number of bytes read back. Replaces the channel's handler. */
  private static Future<Buffer> echoAsync(Channel ch, Buffer data) {
    io.vertx.core.Promise<Buffer> p = io.vertx.core.Promise.promise();
    Buffer got = Buffer.buffer(data.length());
    ch.handler(b -> {
      got.appendBuffer(b);
      if (got.length() >= data.length()) {
        p.tryComplete(got);
      }
    });
    ch.closeHandler(reason -> p.tryFail("channel closed: " + reason));
    ch.write(data.copy());
    return p.future();
  }

  static Buffer pattern(int n, int seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return Buffer.buffer(b);
  }

  private static Frame hello() {
    return Frame.of(FrameType.HELLO, 0, Json.encode(Hello.of("raw", "raw-peer/1")));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static <T> T get(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** A plain WebSocket that speaks the framing by hand: it sends exactly what a test crafts. */
  static final class RawPeer {
    final WebSocket ws;
    final List<Frame> frames = new CopyOnWriteArrayList<>();
    final AtomicReference<Short> closeStatus = new AtomicReference<>();
    final AtomicBoolean closed = new AtomicBoolean();

    private RawPeer(WebSocket ws) {
      this.ws = ws;
    }

    static RawPeer connect(int port) throws Exception {
      HttpClient raw = vertx.createHttpClient(new HttpClientOptions().setMaxWebSocketMessageSize(FrameCodec.MAX_MESSAGE));
      CompletableFuture<RawPeer> peer = new CompletableFuture<>();
      raw.webSocket(port, "127.0.0.1", "/tunnel").onComplete(ar -> {
        if (ar.failed()) {
          peer.completeExceptionally(ar.cause());
          return;
        }
        RawPeer p = new RawPeer(ar.result());
        p.ws.binaryMessageHandler(m -> p.frames.addAll(FrameCodec.decode(m)));
        p.ws.closeHandler(v -> {
          p.closeStatus.set(p.ws.closeStatusCode());
          p.closed.set(true);
        });
        peer.complete(p);
      });
      return peer.get(20, TimeUnit.SECONDS);
    }

    void send(Frame... frames) {
      Buffer m = Buffer.buffer();
      for (Frame f : frames) {
        FrameCodec.encodeTo(m, f);
      }
      ws.writeBinaryMessage(m);
    }

    Optional<Frame> received(FrameType type) {
      return frames.stream().filter(f -> f.type() == type).findFirst();
    }

    void assertClosedWith(ErrorCode code, String reason) {
      await().atMost(WAIT).untilTrue(closed);
      assertThat(closeStatus.get()).as("WebSocket close status").isEqualTo(code.closeStatus);
      Frame goaway = received(FrameType.GOAWAY).orElseThrow(() -> new AssertionError("no GOAWAY before close"));
      assertThat(Json.decode(goaway.payload(), Failure.class)).isEqualTo(new Failure(code.code, reason));
    }
  }
}
