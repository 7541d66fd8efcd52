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
import dev.cde.tunnel.message.Resume;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WebSocket carrying many channels. All state is confined to the event loop that owns the socket;
 * public methods hop onto it. The reader is never paused: per-channel credit bounds what a peer may send,
 * so buffering is bounded by the granted windows (capped per session).
 *
 * <p>Writes: control frames go first; then channels with queued output and credit take turns, one frame
 * each per round, so a saturated channel cannot starve a quiet one.
 *
 * <p>Resume (docs/protocol.md, "Resume"): when both HELLOs carry a resume offer, every sequenced frame sent
 * is kept in a bounded replay buffer until the peer's ACK covers it. A connection that drops without GOAWAY
 * suspends the session instead of ending it: channels stay open, writers wait, the dialer re-dials and both
 * sides exchange RESUME (how many sequenced frames each received) and replay the rest. Past the grace
 * period the session ends with "tunnel lost for more than N s". The WebSocket underneath may therefore
 * change; its handlers hop onto this session's event loop and ignore a socket that is no longer current.
 */
public final class TunnelSession {
  private static final Logger LOG = Logger.getLogger(TunnelSession.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final Thread loop;
  /** The current connection; null while suspended (lost, not yet resumed). */
  private WebSocketBase ws;
  private final boolean client;
  private final TunnelOptions options;
  private final String label;

  private final Map<Integer, ChannelImpl> channels = new HashMap<>();
  /** Sequenced control frames (OPEN*, RST, REQUEST, WINDOW_UPDATE), waiting for the wire. */
  private final ArrayDeque<Frame> control = new ArrayDeque<>();
  /** Session frames (HELLO, PING, PONG, RESUME): unsequenced, so they go even while the replay buffer is full. */
  private final ArrayDeque<Frame> sessionFrames = new ArrayDeque<>();
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

  // ---- resume (all on the loop except the volatile figures read by tests and metrics)
  /** What our HELLO offers (null: this side does not offer resume). */
  private final Hello.ResumeOffer ownOffer;
  /** Re-opens the WebSocket to the same endpoint, announcing the resume id (dialer only); null on the accepting side. */
  private final Function<String, Future<WebSocketBase>> redialer;
  /** Keep sent sequenced frames for replay: from our offer until the peer's HELLO says it has none. */
  private boolean retaining;
  private boolean resumable;
  private String resumeId;
  private String resumeToken;
  private Duration grace;
  private long sentSeq;
  private long ackedSeq;
  private final ArrayDeque<Frame> replay = new ArrayDeque<>();
  private volatile long replayBytes;
  private volatile long replayHighWater;
  /** Frames of {@link #replay} still to be sent again on the resumed connection, oldest first. */
  private final ArrayDeque<Frame> retransmit = new ArrayDeque<>();
  private long receivedSeq;
  private long ackSentSeq;
  private boolean ackDue;
  private volatile boolean suspended;
  /** A new connection is attached; sequenced frames wait for the peer's RESUME to say where to start. */
  private boolean awaitingResume;
  private long graceTimer = -1;
  private long lostNanos;
  private String lostReason;
  private int redials;
  private volatile int resumes;

  private TunnelSession(Vertx vertx, WebSocketBase ws, boolean client, TunnelOptions options, String label,
      Hello.ResumeOffer ownOffer, Function<String, Future<WebSocketBase>> redialer) {
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
    this.ownOffer = ownOffer;
    this.redialer = redialer;
    this.retaining = ownOffer != null;
    if (ownOffer != null && !client) {
      this.resumeId = ownOffer.id();
      this.resumeToken = ownOffer.token();
      this.grace = options.resumeGrace();
    }
  }

  /**
   * Starts the protocol on an open WebSocket: sends HELLO, installs handlers, starts keepalive.
   * Call on the socket's event loop, before returning from its open callback.
   *
   * @param client true on the side that dialed (its channel ids are odd)
   */
  public static TunnelSession start(Vertx vertx, WebSocketBase ws, boolean client, Hello hello,
      TunnelOptions options, String label) {
    TunnelSession s = new TunnelSession(vertx, ws, client, options, label, null, null);
    s.begin(hello);
    return s;
  }

  /** A dialer's session that offers resume and re-dials with {@code redialer} after a drop. */
  static TunnelSession startResumableDialer(Vertx vertx, WebSocketBase ws, Hello hello, TunnelOptions options,
      String label, Function<String, Future<WebSocketBase>> redialer) {
    TunnelSession s = new TunnelSession(vertx, ws, true, options, label, Hello.ResumeOffer.CAPABLE, redialer);
    s.begin(hello);
    return s;
  }

  /** An accepting side's session that offers resume under {@code offer} (see {@link TunnelAcceptor}). */
  static TunnelSession startResumableAcceptor(Vertx vertx, WebSocketBase ws, Hello hello, TunnelOptions options,
      String label, Hello.ResumeOffer offer) {
    TunnelSession s = new TunnelSession(vertx, ws, false, options, label, offer, null);
    s.begin(hello);
    return s;
  }

  private void begin(Hello hello) {
    attachHandlers(ws);
    sendControl(Frame.of(FrameType.HELLO, 0, Json.encode(ownOffer == null ? hello : hello.withResume(ownOffer))));
    long tick = Math.max(10, Math.min(options.keepaliveInterval().toMillis(), options.keepaliveTimeout().toMillis()) / 4);
    keepaliveTimer = vertx.setPeriodic(tick, id -> keepalive());
  }

  /**
   * Installs this session's handlers on a connection. They hop onto the session's loop (a resumed
   * connection may have been accepted on another one) and ignore the socket once it is not the current one.
   * Call on the socket's own event loop, before it reads its next message.
   */
  void attachHandlers(WebSocketBase w) {
    w.binaryMessageHandler(b -> onLoop(() -> {
      if (ws == w) {
        onMessage(b);
      }
    }));
    w.textMessageHandler(t -> onLoop(() -> {
      if (ws == w) {
        fail(ErrorCode.PROTOCOL_ERROR, "text messages are not part of the protocol");
      }
    }));
    w.exceptionHandler(e -> onLoop(() -> {
      String msg = String.valueOf(e.getMessage());
      // Vert.x reports a message over maxWebSocketMessageSize only here ("... overflow max message size
      // of N") and then drops it; without this the oversized sender would stay connected.
      if (ws == w && (msg.contains("larger than") || msg.contains("max message size"))) {
        fail(ErrorCode.FRAME_TOO_LARGE, "message exceeds " + FrameCodec.MAX_MESSAGE + " bytes");
      } else {
        LOG.log(Level.FINE, label + ": websocket error", e);
      }
    }));
    w.closeHandler(v -> onLoop(() -> {
      if (ws != w) {
        return;
      }
      String why = closeReason != null ? closeReason
          : "connection closed" + (w.closeStatusCode() == null ? "" : " (" + w.closeStatusCode()
              + (w.closeReason() == null || w.closeReason().isEmpty() ? "" : " " + w.closeReason()) + ")");
      if (closeReason == null && resumable) {
        connectionLost(why);
      } else {
        terminate(why);
      }
    }));
  }

  // ---------------------------------------------------------------- public API

  /** True when both sides offered resume: a dropped connection then suspends the session instead of ending it. */
  public boolean resumable() {
    return resumable;
  }

  /** True while the connection is lost and the session waits (within its grace period) to be resumed. */
  public boolean isSuspended() {
    return suspended;
  }

  /** How many times this session was resumed on a new connection. */
  public int resumeCount() {
    return resumes;
  }

  /** Bytes (headers included) of sent frames kept for replay until the peer acknowledges them. */
  public long replayBufferedBytes() {
    return replayBytes;
  }

  /** The most {@link #replayBufferedBytes()} ever held: never above {@code TunnelOptions.replayBufferCap()}. */
  public long replayHighWater() {
    return replayHighWater;
  }

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

  /** The resume id (accepting side: for {@link TunnelAcceptor}'s lookup); null without resume. */
  String resumeId() {
    return resumeId;
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

  /** Processes one received message (also the first one, read by {@link TunnelAcceptor}). */
  void onMessage(Buffer message) {
    if (closing) {
      return;
    }
    try {
      receive(FrameCodec.decode(message));
    } catch (ProtocolException e) {
      fail(e.code(), e.getMessage());
    }
  }

  private void receive(List<Frame> frames) {
    WebSocketBase current = ws;
    for (Frame f : frames) {
      handle(f);
      if (closing || ws != current) {
        return;
      }
    }
    // Acknowledge what arrived, once per message: the peer may then drop it from its replay buffer.
    if (resumable && receivedSeq != ackSentSeq) {
      ackDue = true;
      flush();
    }
  }

  private void handle(Frame f) {
    if (!remoteHello.future().isComplete() && f.type() != FrameType.HELLO) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "expected HELLO first, got " + f.type());
    }
    if (awaitingResume && f.type() != FrameType.RESUME && f.type() != FrameType.GOAWAY) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "expected RESUME first on a resumed connection, got " + f.type());
    }
    if (f.type().sequenced()) {
      receivedSeq++;
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
        peerOffer(hello.resume());
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
        if (suspended) {
          closeReason = "tunnel lost (" + lostReason + ") and not resumed: " + closeReason;
        }
        WebSocketBase w = ws;
        terminate(closeReason);
        w.close();
      }
      case ACK -> {
        if (!resumable || f.length() != 8) {
          throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, resumable ? "ACK needs an 8-byte count"
              : "ACK on a session without resume");
        }
        acknowledge(f.payload().getLong(0));
      }
      case RESUME -> {
        if (!awaitingResume) {
          throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "RESUME outside a resumed connection's start");
        }
        resumed(Json.decode(f.payload(), Resume.class).received());
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
    (frame.type().sequenced() ? control : sessionFrames).add(frame);
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

  private boolean hasWork() {
    if (!sessionFrames.isEmpty()) {
      return true;
    }
    return !awaitingResume && (ackDue || !retransmit.isEmpty()
        || (replayRoom() > FrameCodec.HEADER_LENGTH && (!control.isEmpty() || !sendable.isEmpty() || !deferred.isEmpty())));
  }

  /** Bytes the replay buffer may still take; unbounded when nothing is kept for replay. */
  private long replayRoom() {
    return retaining ? options.replayBufferCap() - replayBytes : Long.MAX_VALUE;
  }

  private static boolean fits(Buffer message, Frame f, long limit) {
    return message.length() + FrameCodec.HEADER_LENGTH + f.length() <= limit;
  }

  /** A sequenced frame goes out for the first time: it gets the next number and stays for replay until acked. */
  private void sent(Buffer message, Frame frame) {
    FrameCodec.encodeTo(message, frame);
    sentSeq++;
    if (retaining) {
      replay.add(frame);
      long bytes = replayBytes + FrameCodec.HEADER_LENGTH + frame.length();
      replayBytes = bytes;
      if (bytes > replayHighWater) {
        replayHighWater = bytes;
      }
    }
  }

  private void flushLoop() {
    while (!closing && ws != null && !awaitingDrain && hasWork()) {
      while (!deferred.isEmpty()) {
        sendable.add(deferred.poll());
      }
      WebSocketBase w = ws;
      if (w.writeQueueFull()) {
        awaitingDrain = true;
        w.drainHandler(v -> onLoop(() -> {
          if (ws == w) {
            awaitingDrain = false;
            flush();
          }
        }));
        return;
      }
      int budget = Math.min(options.batchBytes(), FrameCodec.MAX_MESSAGE);
      Buffer message = Buffer.buffer(budget + 4 * FrameCodec.HEADER_LENGTH);
      // Session frames first: on a resumed connection RESUME must lead.
      while (!sessionFrames.isEmpty() && fits(message, sessionFrames.peek(), FrameCodec.MAX_MESSAGE)) {
        FrameCodec.encodeTo(message, sessionFrames.poll());
      }
      if (ackDue && !awaitingResume) {
        ackDue = false;
        ackSentSeq = receivedSeq;
        FrameCodec.encodeTo(message, Frame.of(FrameType.ACK, 0, Buffer.buffer(8).appendLong(receivedSeq)));
      }
      if (!awaitingResume) {
        // Replayed frames first, in their order and with their old numbers; nothing new passes them.
        while (!retransmit.isEmpty() && message.length() < budget && fits(message, retransmit.peek(), FrameCodec.MAX_MESSAGE)) {
          FrameCodec.encodeTo(message, retransmit.poll());
        }
        if (retransmit.isEmpty()) {
          fillNew(message, budget);
        }
      }
      if (message.length() == 0) {
        return;
      }
      w.writeBinaryMessage(message);
    }
  }

  private void fillNew(Buffer message, int budget) {
    while (!control.isEmpty() && fits(message, control.peek(), FrameCodec.MAX_MESSAGE)
        && FrameCodec.HEADER_LENGTH + control.peek().length() <= replayRoom()) {
      sent(message, control.poll());
    }
    // Round robin over channels with something they may send; one frame each per round.
    boolean progress = true;
    while (progress && message.length() < budget && !sendable.isEmpty()) {
      progress = false;
      Iterator<ChannelImpl> it = sendable.iterator();
      while (it.hasNext() && message.length() < budget) {
        ChannelImpl ch = it.next();
        int room = (int) Math.min(budget - message.length(), replayRoom()) - FrameCodec.HEADER_LENGTH;
        if (room <= 0) {
          break;
        }
        if (!ch.headFits(room)) {
          if (ch.isClosed() || !ch.hasSendable()) {
            it.remove();
          }
          continue;
        }
        Frame frame = ch.nextFrame(Math.min(room, FrameCodec.MAX_DATA_PAYLOAD));
        if (frame != null) {
          sent(message, frame);
          progress = true;
        }
        if (ch.isClosed() || !ch.hasSendable()) {
          it.remove();
        }
      }
    }
  }

  // ---------------------------------------------------------------- keepalive & shutdown

  private void keepalive() {
    if (closing || ws == null) {
      return;
    }
    long now = System.nanoTime();
    if (!remoteHello.future().isComplete() && now - startedNanos > options.keepaliveTimeout().toNanos()) {
      fail(ErrorCode.PROTOCOL_ERROR, "no HELLO within " + options.keepaliveTimeout().toMillis() + " ms");
      return;
    }
    if (pingOutstanding) {
      if (now - pingSentNanos > options.keepaliveTimeout().toNanos()) {
        String why = "no answer to keepalive within " + options.keepaliveTimeout().toMillis() + " ms";
        if (resumable) {
          // A silent path (a proxy that stopped forwarding): the same as a drop, so resume can still save it.
          connectionLost(why);
        } else {
          fail(ErrorCode.KEEPALIVE_TIMEOUT, why);
        }
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
    if (ws == null) {
      // A ping measures a connection: while suspended there is none, and a queued one would go out ahead of the
      // RESUME that must lead the next connection (the peer refuses anything else first).
      return;
    }
    pingSentNanos = System.nanoTime();
    pingOutstanding = true;
    sendControl(new Frame(FrameType.PING, 0, 0, Buffer.buffer(8).appendLong(pingSentNanos)));
  }

  private void shutdown(ErrorCode code, String reason) {
    // GOAWAY goes out alone, ahead of anything queued: the peer learns why even if data is pending.
    Buffer goaway = FrameCodec.encode(Frame.of(FrameType.GOAWAY, 0, Json.encode(new Failure(code.code, reason))));
    closeReason = code == ErrorCode.NONE ? reason : code + ": " + reason;
    WebSocketBase w = ws;
    terminate(closeReason);
    if (w != null && !w.isClosed()) {
      w.writeBinaryMessage(goaway);
      w.close(code.closeStatus, truncateUtf8(reason, 120));
    }
  }

  // ---------------------------------------------------------------- resume

  /** The peer's HELLO: resume is on when both offered it (the dialer also learns the id, token and grace). */
  private void peerOffer(Hello.ResumeOffer offer) {
    boolean peerOffers = offer != null && (!client || (offer.id() != null && offer.token() != null));
    if (ownOffer != null && peerOffers) {
      resumable = true;
      if (client) {
        resumeId = offer.id();
        resumeToken = offer.token();
        grace = Duration.ofSeconds(offer.graceSeconds() == null ? 60 : Math.max(1, offer.graceSeconds()));
      }
    } else if (retaining) {
      // An older peer (or a side that cannot re-dial): no replay, so keep nothing for it.
      retaining = false;
      replay.clear();
      replayBytes = 0;
      flush();
    }
  }

  /** The peer's ACK: it received {@code count} sequenced frames; those leave the replay buffer. */
  private void acknowledge(long count) {
    if (count < ackedSeq || count > sentSeq) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "acknowledgement of frame " + count
          + " outside the " + ackedSeq + ".." + sentSeq + " this side sent");
    }
    long bytes = replayBytes;
    while (ackedSeq < count) {
      Frame f = replay.poll();
      bytes -= FrameCodec.HEADER_LENGTH + f.length();
      ackedSeq++;
    }
    replayBytes = bytes;
    flush(); // room again for writers stopped by a full replay buffer
  }

  /** The connection dropped without GOAWAY (or went silent): keep the channels, wait for a resume. */
  private void connectionLost(String why) {
    if (closing) {
      return;
    }
    WebSocketBase old = ws;
    ws = null;
    if (old != null && !old.isClosed()) {
      old.close((short) 1001, "connection lost");
    }
    awaitingResume = false;
    awaitingDrain = false;
    pingOutstanding = false;
    ackDue = false;
    sessionFrames.clear();
    retransmit.clear();
    if (!suspended) {
      suspended = true;
      lostReason = why;
      lostNanos = System.nanoTime();
      long seconds = grace.toSeconds();
      graceTimer = vertx.setTimer(Math.max(1, grace.toMillis()), id -> onLoop(() -> {
        if (suspended && !closing) {
          LOG.warning(label + ": tunnel lost for more than " + seconds + " s; ending its channels");
          terminate("tunnel lost for more than " + seconds + " s: " + lostReason);
        }
      }));
      LOG.info(label + ": " + why + "; " + (redialer != null ? "re-dialing" : "waiting")
          + " to resume for up to " + seconds + " s (" + (sentSeq - ackedSeq) + " frames, " + replayBytes
          + " bytes kept for replay)");
    }
    if (redialer != null) {
      redial();
    }
  }

  private void redial() {
    long delay = Math.min(2000, 100L << Math.min(redials, 5));
    redials++;
    vertx.setTimer(delay, id -> onLoop(() -> {
      if (closing || !suspended || ws != null) {
        return;
      }
      Future<WebSocketBase> dialed;
      try {
        dialed = redialer.apply(resumeId);
      } catch (RuntimeException e) {
        dialed = Future.failedFuture(e);
      }
      dialed.onComplete(ar -> onLoop(() -> {
        if (ar.failed()) {
          if (!closing && suspended && ws == null) {
            LOG.fine(label + ": re-dial failed: " + ar.cause().getMessage());
            redial();
          }
          return;
        }
        if (closing || !suspended || ws != null) {
          ar.result().close();
          return;
        }
        WebSocketBase w = ar.result();
        ws = w;
        awaitingResume = true;
        attachHandlers(w);
        sessionFrames.add(Frame.of(FrameType.RESUME, 0, Json.encode(new Resume(resumeId, resumeToken, receivedSeq))));
        flush();
      }));
    }));
  }

  /**
   * The accepting side: a dialer proved (id and token, checked by {@link TunnelAcceptor}) that {@code w}
   * continues this session. Its handlers must already be attached. A still-open old connection is dropped:
   * the dialer saw it die first.
   */
  void resumeOn(WebSocketBase w, Resume resume, List<Frame> rest) {
    onLoop(() -> {
      if (closing || !resumable) {
        String why = closing ? "session already ended: " + closeReason : "this session did not agree to resume";
        w.writeBinaryMessage(FrameCodec.encode(Frame.of(FrameType.GOAWAY, 0,
            Json.encode(new Failure(ErrorCode.REFUSED.code, why)))));
        w.close(ErrorCode.REFUSED.closeStatus, truncateUtf8(why, 120));
        return;
      }
      if (ws != null) {
        connectionLost("replaced by a resumed connection");
      }
      ws = w;
      sessionFrames.add(Frame.of(FrameType.RESUME, 0, Json.encode(new Resume(resumeId, null, receivedSeq))));
      awaitingResume = true;
      try {
        resumed(resume.received());
        receive(rest);
      } catch (ProtocolException e) {
        fail(e.code(), e.getMessage());
      }
    });
  }

  boolean resumeTokenMatches(String token) {
    return token != null && resumeToken != null
        && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), resumeToken.getBytes(StandardCharsets.UTF_8));
  }

  /** The peer received {@code peerReceived} sequenced frames: replay everything after them. */
  private void resumed(long peerReceived) {
    if (peerReceived < ackedSeq || peerReceived > sentSeq) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "peer resumes after frame " + peerReceived
          + " but this side kept only frames " + (ackedSeq + 1) + ".." + sentSeq);
    }
    acknowledge(peerReceived);
    retransmit.clear();
    retransmit.addAll(replay);
    awaitingResume = false;
    boolean wasSuspended = suspended;
    suspended = false;
    redials = 0;
    if (graceTimer >= 0) {
      vertx.cancelTimer(graceTimer);
      graceTimer = -1;
    }
    resumes++;
    LOG.info(label + ": tunnel resumed" + (wasSuspended ? " after " + (System.nanoTime() - lostNanos) / 1_000_000
        + " ms" : "") + "; replaying " + retransmit.size() + " frames (" + replayBytes + " bytes)");
    pingOutstanding = false;
    sendPing();
    // The peer may have missed our latest ACK with the old connection.
    ackDue = receivedSeq != 0;
    flush();
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
    if (graceTimer >= 0) {
      vertx.cancelTimer(graceTimer);
    }
    suspended = false;
    control.clear();
    sessionFrames.clear();
    retransmit.clear();
    replay.clear();
    replayBytes = 0;
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
