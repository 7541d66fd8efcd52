package dev.cde.tunnel;

import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.Frame;
import dev.cde.tunnel.codec.FrameCodec;
import dev.cde.tunnel.codec.FrameType;
import dev.cde.tunnel.codec.ProtocolException;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Failure;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WebSocket carrying many channels. All state is confined to the event loop that owns the socket;
 * public methods hop onto it. The reader is never paused: per-channel credit bounds what a peer may send,
 * so buffering is bounded by the granted windows (capped per session).
 *
 * <p>Writes: control frames go first; then channels with queued output and credit take turns, one frame
 * each per round, so a saturated channel cannot starve a quiet one.
 */
public final class TunnelSession {
  private static final Logger LOG = Logger.getLogger(TunnelSession.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final Thread loop;
  private final WebSocketBase ws;
  private final boolean client;
  private final TunnelOptions options;
  private final String label;

  private final Map<Integer, ChannelImpl> channels = new HashMap<>();
  private final ArrayDeque<Frame> control = new ArrayDeque<>();
  private final Set<ChannelImpl> sendable = new LinkedHashSet<>();
  /** Channels that became sendable while flush() was iterating; merged before the next round. */
  private final ArrayDeque<ChannelImpl> deferred = new ArrayDeque<>();
  private final Promise<Hello> remoteHello = Promise.promise();
  private final Promise<String> closed = Promise.promise();
  private Handler<IncomingOpen> openHandler;
  private int nextLocalId;
  private int highestPeerId;
  private long receiveWindows;
  private boolean awaitingDrain;
  /** True while flush() iterates {@link #sendable}; channels closing meanwhile are dropped by the iterator. */
  private boolean flushing;
  private boolean closing;
  private String closeReason;
  private long pingSentNanos;
  private boolean pingOutstanding;
  private long rttNanos;
  private long minRttNanos;
  private long keepaliveTimer = -1;
  private final long startedNanos = System.nanoTime();

  private TunnelSession(Vertx vertx, WebSocketBase ws, boolean client, TunnelOptions options, String label) {
    if (!Context.isOnEventLoopThread()) {
      throw new IllegalStateException("a TunnelSession must be created on the event loop of its WebSocket");
    }
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.loop = Thread.currentThread();
    this.ws = ws;
    this.client = client;
    this.options = options;
    this.label = label;
    this.nextLocalId = client ? 1 : 2;
  }

  /**
   * Starts the protocol on an open WebSocket: sends HELLO, installs handlers, starts keepalive.
   * Call on the socket's event loop, before returning from its open callback.
   *
   * @param client true on the side that dialed (its channel ids are odd)
   */
  public static TunnelSession start(Vertx vertx, WebSocketBase ws, boolean client, Hello hello,
      TunnelOptions options, String label) {
    TunnelSession s = new TunnelSession(vertx, ws, client, options, label);
    s.begin(hello);
    return s;
  }

  private void begin(Hello hello) {
    ws.binaryMessageHandler(this::onMessage);
    ws.textMessageHandler(t -> fail(ErrorCode.PROTOCOL_ERROR, "text messages are not part of the protocol"));
    ws.exceptionHandler(e -> {
      String msg = String.valueOf(e.getMessage());
      // Vert.x reports a message over maxWebSocketMessageSize only here ("... overflow max message size
      // of N") and then drops it; without this the oversized sender would stay connected.
      if (msg.contains("larger than") || msg.contains("max message size")) {
        fail(ErrorCode.FRAME_TOO_LARGE, "message exceeds " + FrameCodec.MAX_MESSAGE + " bytes");
      } else {
        LOG.log(Level.FINE, label + ": websocket error", e);
      }
    });
    ws.closeHandler(v -> {
      String why = closeReason != null ? closeReason
          : "connection closed" + (ws.closeStatusCode() == null ? "" : " (" + ws.closeStatusCode()
              + (ws.closeReason() == null || ws.closeReason().isEmpty() ? "" : " " + ws.closeReason()) + ")");
      terminate(why);
    });
    sendControl(Frame.of(FrameType.HELLO, 0, Json.encode(hello)));
    long tick = Math.max(10, Math.min(options.keepaliveInterval().toMillis(), options.keepaliveTimeout().toMillis()) / 4);
    keepaliveTimer = vertx.setPeriodic(tick, id -> keepalive());
  }

  // ---------------------------------------------------------------- public API

  public Future<Hello> remoteHello() {
    return remoteHello.future();
  }

  /** Completes with the reason once the connection is gone. */
  public Future<String> closed() {
    return closed.future();
  }

  public boolean isClosed() {
    return closing;
  }

  public String label() {
    return label;
  }

  /** Round-trip time measured by the last PING/PONG, in nanoseconds (0 before the first). */
  public long rttNanos() {
    return rttNanos;
  }

  /**
   * The smallest RTT seen: the path's own delay without the queues in it. Windows are sized on this
   * (as BBR does), because the latest RTT grows with the very buffering a bigger window causes.
   */
  public long minRttNanos() {
    return minRttNanos;
  }

  public TunnelSession openHandler(Handler<IncomingOpen> handler) {
    onLoop(() -> this.openHandler = handler);
    return this;
  }

  public Future<Channel> open(OpenRequest request) {
    Promise<Channel> p = Promise.promise();
    onLoop(() -> {
      if (closing) {
        p.fail(new ChannelOpenException(ErrorCode.SHUTDOWN, "tunnel closed: " + closeReason));
        return;
      }
      String refusal = admit();
      if (refusal != null) {
        p.fail(new ChannelOpenException(ErrorCode.REFUSED, refusal));
        return;
      }
      Buffer body = Json.encode(request);
      if (body.length() > FrameCodec.MAX_CONTROL_PAYLOAD) {
        p.fail(new ChannelOpenException(ErrorCode.FRAME_TOO_LARGE, "OPEN request of " + body.length()
            + " bytes exceeds " + FrameCodec.MAX_CONTROL_PAYLOAD + " (too large an environment or command line?)"));
        return;
      }
      int id = nextLocalId;
      nextLocalId += 2;
      ChannelImpl ch = new ChannelImpl(this, id, request, p);
      register(ch);
      sendControl(Frame.of(FrameType.OPEN, id, body));
    });
    return p.future();
  }

  /** Graceful end: GOAWAY, then close the WebSocket; open channels see {@code reason}. */
  public Future<Void> close(String reason) {
    Promise<Void> done = Promise.promise();
    onLoop(() -> {
      if (closing) {
        done.complete();
        return;
      }
      shutdown(ErrorCode.NONE, reason);
      done.complete();
    });
    return done.future();
  }

  /** Ends the connection because the peer broke the protocol; only this connection is affected. */
  public void fail(ErrorCode code, String reason) {
    onLoop(() -> {
      if (!closing) {
        LOG.warning(label + ": closing tunnel: " + code + ": " + reason);
        shutdown(code, reason);
      }
    });
  }

  public int openChannels() {
    return channels.size();
  }

  // ---------------------------------------------------------------- threading

  void onLoop(Runnable action) {
    if (Thread.currentThread() == loop) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  void later(Runnable action) {
    context.runOnContext(v -> action.run());
  }

  // ---------------------------------------------------------------- receiving

  private void onMessage(Buffer message) {
    if (closing) {
      return;
    }
    try {
      for (Frame f : FrameCodec.decode(message)) {
        handle(f);
        if (closing) {
          return;
        }
      }
    } catch (ProtocolException e) {
      fail(e.code(), e.getMessage());
    }
  }

  private void handle(Frame f) {
    if (!remoteHello.future().isComplete() && f.type() != FrameType.HELLO) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "expected HELLO first, got " + f.type());
    }
    switch (f.type()) {
      case HELLO -> {
        if (remoteHello.future().isComplete()) {
          throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "second HELLO");
        }
        Hello hello = Json.decode(f.payload(), Hello.class);
        if (hello.protocol() != FrameCodec.VERSION) {
          throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "peer speaks protocol " + hello.protocol());
        }
        remoteHello.complete(hello);
        sendPing();
      }
      case OPEN -> onOpen(f);
      case OPEN_OK -> localOpening(f).opened();
      case OPEN_FAIL -> {
        Failure why = Json.decode(f.payload(), Failure.class);
        ChannelImpl ch = localOpening(f);
        ch.terminate("open refused: " + why.reason(), new ChannelOpenException(ErrorCode.of(why.code()), why.reason()));
      }
      case DATA, DATA_ERR -> {
        ChannelImpl ch = live(f);
        if (ch != null) {
          ch.received(f.type() == FrameType.DATA_ERR, f.payload());
        }
      }
      case EOF -> {
        ChannelImpl ch = live(f);
        if (ch != null) {
          ch.remoteEof();
        }
      }
      case EXIT -> {
        ChannelImpl ch = live(f);
        if (ch != null) {
          ch.remoteExit(Json.decode(f.payload(), ExitStatus.class));
        }
      }
      case RST -> {
        ChannelImpl ch = live(f);
        if (ch != null) {
          Failure why = Json.decode(f.payload(), Failure.class);
          ch.terminate("reset by peer: " + why.reason(), new ChannelOpenException(ErrorCode.of(why.code()), why.reason()));
        }
      }
      case REQUEST -> {
        ChannelImpl ch = live(f);
        if (ch != null) {
          ch.remoteRequest(Json.decode(f.payload(), ChannelRequest.class));
        }
      }
      case WINDOW_UPDATE -> {
        if (f.length() != 4) {
          throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE needs a 4-byte increment");
        }
        ChannelImpl ch = live(f);
        if (ch != null) {
          ch.credit(f.payload().getUnsignedInt(0));
        }
      }
      case PING -> sendControl(new Frame(FrameType.PONG, 0, 0, f.payload()));
      case PONG -> {
        if (pingOutstanding && f.length() == 8 && f.payload().getLong(0) == pingSentNanos) {
          rttNanos = System.nanoTime() - pingSentNanos;
          minRttNanos = minRttNanos == 0 ? rttNanos : Math.min(minRttNanos, rttNanos);
          pingOutstanding = false;
        }
      }
      case GOAWAY -> {
        Failure why = Json.decode(f.payload(), Failure.class);
        closeReason = ErrorCode.of(why.code()) == ErrorCode.NONE ? "peer closed: " + why.reason()
            : "peer closed with " + ErrorCode.of(why.code()) + ": " + why.reason();
        terminate(closeReason);
        ws.close();
      }
      default -> throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "unexpected " + f.type());
    }
  }

  private void onOpen(Frame f) {
    int id = f.channel();
    boolean peerParity = client ? (id % 2 == 0) : (id % 2 != 0);
    if (id == 0 || !peerParity || Integer.compareUnsigned(id, highestPeerId) <= 0) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "OPEN with invalid channel id " + Integer.toUnsignedString(id));
    }
    highestPeerId = id;
    OpenRequest request = Json.decode(f.payload(), OpenRequest.class);
    String refusal = request.kind() == null ? "OPEN without a kind" : admit();
    if (refusal == null && openHandler == null) {
      refusal = "this side accepts no channels";
    }
    if (refusal != null) {
      sendControl(Frame.of(FrameType.OPEN_FAIL, id, Json.encode(new Failure(ErrorCode.REFUSED.code, refusal))));
      return;
    }
    ChannelImpl ch = new ChannelImpl(this, id, request, null);
    register(ch);
    openHandler.handle(new IncomingOpen() {
      private boolean answered;

      @Override
      public OpenRequest request() {
        return request;
      }

      @Override
      public TunnelSession session() {
        return TunnelSession.this;
      }

      @Override
      public Channel accept() {
        onLoop(() -> {
          if (!answered && !ch.isClosed()) {
            answered = true;
            sendControl(Frame.of(FrameType.OPEN_OK, id));
            ch.accepted();
          }
        });
        return ch;
      }

      @Override
      public void reject(ErrorCode code, String reason) {
        onLoop(() -> {
          if (!answered && !ch.isClosed()) {
            answered = true;
            sendControl(Frame.of(FrameType.OPEN_FAIL, id, Json.encode(new Failure(code.code, reason))));
            ch.terminate("refused: " + reason, null);
          }
        });
      }
    });
  }

  private String admit() {
    if (channels.size() >= options.maxChannels()) {
      return "too many open channels (" + options.maxChannels() + ")";
    }
    if (receiveWindows + TunnelOptions.INITIAL_WINDOW > options.sessionBufferCap()) {
      return "session buffer cap of " + options.sessionBufferCap() + " bytes reached";
    }
    return null;
  }

  private void register(ChannelImpl ch) {
    channels.put(ch.id(), ch);
    receiveWindows += ch.receiveWindow();
  }

  private ChannelImpl localOpening(Frame f) {
    ChannelImpl ch = channels.get(f.channel());
    if (ch == null || !ch.isOpening()) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, f.type() + " for channel "
          + Integer.toUnsignedString(f.channel()) + " that is not being opened");
    }
    return ch;
  }

  /**
   * The live channel a frame is for; null for a channel that existed and is closed already (frames
   * in flight when it closed are dropped); a protocol error for an id that was never used.
   */
  private ChannelImpl live(Frame f) {
    int id = f.channel();
    ChannelImpl ch = channels.get(id);
    if (ch != null) {
      if (ch.isOpening()) {
        throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, f.type() + " before OPEN_OK on channel " + id);
      }
      return ch;
    }
    boolean ours = client ? (id % 2 != 0) : (id % 2 == 0);
    boolean used = id != 0 && (ours ? Integer.compareUnsigned(id, nextLocalId) < 0
        : Integer.compareUnsigned(id, highestPeerId) <= 0);
    if (!used) {
      throw new ProtocolException(ErrorCode.UNKNOWN_CHANNEL, f.type() + " for unknown channel " + Integer.toUnsignedString(id));
    }
    return null;
  }

  // ---------------------------------------------------------------- sending

  void sendControl(Frame frame) {
    if (closing) {
      return;
    }
    control.add(frame);
    flush();
  }

  void markSendable(ChannelImpl ch) {
    if (!closing) {
      (flushing ? deferred : sendable).add(ch);
      flush();
    }
  }

  void unregister(ChannelImpl ch) {
    if (channels.remove(ch.id()) != null) {
      receiveWindows -= ch.receiveWindow();
    }
    if (!flushing) {
      sendable.remove(ch);
    }
  }

  void windowGrew(long bytes) {
    receiveWindows += bytes;
  }

  boolean mayGrowWindow(long bytes) {
    return receiveWindows + bytes <= options.sessionBufferCap();
  }

  TunnelOptions options() {
    return options;
  }

  private void flush() {
    if (flushing) {
      return;
    }
    flushing = true;
    try {
      flushLoop();
    } finally {
      flushing = false;
    }
  }

  private void flushLoop() {
    while (!closing && !awaitingDrain && (!control.isEmpty() || !sendable.isEmpty() || !deferred.isEmpty())) {
      while (!deferred.isEmpty()) {
        sendable.add(deferred.poll());
      }
      if (ws.writeQueueFull()) {
        awaitingDrain = true;
        ws.drainHandler(v -> {
          awaitingDrain = false;
          flush();
        });
        return;
      }
      int budget = Math.min(options.batchBytes(), FrameCodec.MAX_MESSAGE);
      Buffer message = Buffer.buffer(budget + 4 * FrameCodec.HEADER_LENGTH);
      while (!control.isEmpty() && message.length() + FrameCodec.HEADER_LENGTH + control.peek().length() <= FrameCodec.MAX_MESSAGE) {
        FrameCodec.encodeTo(message, control.poll());
      }
      // Round robin over channels with something they may send; one frame each per round.
      boolean progress = true;
      while (progress && message.length() < budget && !sendable.isEmpty()) {
        progress = false;
        Iterator<ChannelImpl> it = sendable.iterator();
        while (it.hasNext() && message.length() < budget) {
          ChannelImpl ch = it.next();
          int room = budget - message.length() - FrameCodec.HEADER_LENGTH;
          if (room <= 0) {
            break;
          }
          Frame frame = ch.nextFrame(Math.min(room, FrameCodec.MAX_DATA_PAYLOAD));
          if (frame != null) {
            FrameCodec.encodeTo(message, frame);
            progress = true;
          }
          if (ch.isClosed() || !ch.hasSendable()) {
            it.remove();
          }
        }
      }
      if (message.length() == 0) {
        return;
      }
      ws.writeBinaryMessage(message);
    }
  }

  // ---------------------------------------------------------------- keepalive & shutdown

  private void keepalive() {
    if (closing) {
      return;
    }
    long now = System.nanoTime();
    if (!remoteHello.future().isComplete() && now - startedNanos > options.keepaliveTimeout().toNanos()) {
      fail(ErrorCode.PROTOCOL_ERROR, "no HELLO within " + options.keepaliveTimeout().toMillis() + " ms");
      return;
    }
    if (pingOutstanding) {
      if (now - pingSentNanos > options.keepaliveTimeout().toNanos()) {
        fail(ErrorCode.KEEPALIVE_TIMEOUT, "no answer to keepalive within " + options.keepaliveTimeout().toMillis() + " ms");
      }
    } else if (now - pingSentNanos >= options.keepaliveInterval().toNanos()) {
      sendPing();
    }
  }

  /**
   * While data flows, probe the RTT at most every 50 ms, so that the minimum tracks the path the data
   * takes now (a resumed or rerouted connection) and not only the idle one seen at HELLO.
   */
  void probeRtt() {
    if (!pingOutstanding && System.nanoTime() - pingSentNanos > 50_000_000L) {
      sendPing();
    }
  }

  private void sendPing() {
    pingSentNanos = System.nanoTime();
    pingOutstanding = true;
    sendControl(new Frame(FrameType.PING, 0, 0, Buffer.buffer(8).appendLong(pingSentNanos)));
  }

  private void shutdown(ErrorCode code, String reason) {
    // GOAWAY goes out alone, ahead of anything queued: the peer learns why even if data is pending.
    Buffer goaway = FrameCodec.encode(Frame.of(FrameType.GOAWAY, 0, Json.encode(new Failure(code.code, reason))));
    closeReason = code == ErrorCode.NONE ? reason : code + ": " + reason;
    terminate(closeReason);
    if (!ws.isClosed()) {
      ws.writeBinaryMessage(goaway);
      ws.close(code.closeStatus, truncateUtf8(reason, 120));
    }
  }

  private void terminate(String reason) {
    if (closed.future().isComplete()) {
      return;
    }
    closing = true;
    if (closeReason == null) {
      closeReason = reason;
    }
    if (keepaliveTimer >= 0) {
      vertx.cancelTimer(keepaliveTimer);
    }
    control.clear();
    sendable.clear();
    deferred.clear();
    for (ChannelImpl ch : channels.values().toArray(new ChannelImpl[0])) {
      ch.terminate(closeReason, new ChannelOpenException(ErrorCode.SHUTDOWN, "tunnel closed: " + closeReason));
    }
    remoteHello.tryFail(new ChannelOpenException(ErrorCode.SHUTDOWN, "tunnel closed before HELLO: " + closeReason));
    closed.complete(closeReason);
  }

  static String truncateUtf8(String s, int maxBytes) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= maxBytes) {
      return s;
    }
    int n = maxBytes;
    while (n > 0 && (b[n] & 0xC0) == 0x80) {
      n--;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "TunnelSession[" + label + "]";
  }
}
