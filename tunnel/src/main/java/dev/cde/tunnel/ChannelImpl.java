package dev.cde.tunnel;

import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.Frame;
import dev.cde.tunnel.codec.FrameType;
import dev.cde.tunnel.codec.ProtocolException;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Failure;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;

/**
 * Channel state machine (docs/protocol.md, "Channel states"). Confined to the session's event loop.
 * Outbound: a queue of DATA/DATA_ERR/EOF/EXIT items drained by the session as credit allows.
 * Inbound: events are held until a handler is set, then delivered in order.
 */
final class ChannelImpl implements Channel {
  private enum State { OPENING, OPEN, CLOSED }

  private record Outgoing(FrameType type, Buffer payload, Promise<Void> done) {}

  private final TunnelSession session;
  private final int id;
  private final OpenRequest request;
  private final Promise<Channel> opening;
  private final Promise<String> closed = Promise.promise();
  private final boolean expectsExit;
  private State state;
  private boolean clean;
  /** A channel the peer opened may not send before this side has answered OPEN_OK. */
  private boolean awaitingAccept;

  // sending
  private final ArrayDeque<Outgoing> out = new ArrayDeque<>();
  private long sendCredit = TunnelOptions.INITIAL_WINDOW;
  /**
   * Bytes accepted by write() and not yet on the wire. Counted in the caller's thread, before the hop
   * to the event loop, so that a writer on another thread sees writeQueueFull() at once instead of
   * piling unbounded work onto the loop's task queue.
   */
  private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
  private boolean localEof;
  private boolean exitQueued;
  private Handler<Void> drainHandler;

  // receiving
  private long receiveWindow = TunnelOptions.INITIAL_WINDOW;
  private long peerCredit = TunnelOptions.INITIAL_WINDOW;
  private long pendingGrant;
  private long epochBytes;
  private long epochStartNanos = System.nanoTime();
  private boolean remoteEof;
  private boolean autoAck = true;
  private final ArrayDeque<Runnable> held = new ArrayDeque<>();
  private boolean delivering;
  private Handler<Buffer> dataHandler;
  private Handler<Buffer> errHandler;
  private Handler<Void> endHandler;
  private Handler<ExitStatus> exitHandler;
  private Handler<ChannelRequest> requestHandler;
  private Handler<String> closeHandler;

  ChannelImpl(TunnelSession session, int id, OpenRequest request, Promise<Channel> opening) {
    this.session = session;
    this.id = id;
    this.request = request;
    this.opening = opening;
    this.state = opening != null ? State.OPENING : State.OPEN;
    this.awaitingAccept = opening == null;
    this.expectsExit = !OpenRequest.TCP.equals(request.kind());
  }

  // ------------------------------------------------------------ identity

  @Override
  public int id() {
    return id;
  }

  @Override
  public OpenRequest request() {
    return request;
  }

  @Override
  public TunnelSession session() {
    return session;
  }

  boolean isOpening() {
    return state == State.OPENING;
  }

  @Override
  public boolean isClosed() {
    return state == State.CLOSED;
  }

  @Override
  public Future<String> closed() {
    return closed.future();
  }

  long receiveWindow() {
    return receiveWindow;
  }

  void opened() {
    state = State.OPEN;
    opening.complete(this);
    if (!out.isEmpty()) {
      session.markSendable(this);
    }
  }

  // ------------------------------------------------------------ sending

  @Override
  public Future<Void> write(Buffer data) {
    return enqueue(FrameType.DATA, data);
  }

  @Override
  public Future<Void> writeErr(Buffer data) {
    return enqueue(FrameType.DATA_ERR, data);
  }

  @Override
  public Future<Void> end() {
    return enqueue(FrameType.EOF, Frame.EMPTY);
  }

  @Override
  public Future<Void> exit(ExitStatus status) {
    return enqueue(FrameType.EXIT, Json.encode(status));
  }

  private Future<Void> enqueue(FrameType type, Buffer payload) {
    Promise<Void> done = Promise.promise();
    // Like any Vert.x WriteStream, the channel now owns the buffer: callers must not modify it.
    Buffer owned = payload;
    int counted = type.carriesData() ? owned.length() : 0;
    queuedBytes.addAndGet(counted);
    session.onLoop(() -> {
      if (state == State.CLOSED) {
        queuedBytes.addAndGet(-counted);
        done.tryFail("channel closed");
        return;
      }
      if (localEof || exitQueued) {
        if (type == FrameType.EOF) {
          done.tryComplete();
        } else if (type != FrameType.EXIT || exitQueued) {
          done.tryFail("channel " + id + " already ended its output");
        }
        if (type != FrameType.EXIT || exitQueued) {
          queuedBytes.addAndGet(-counted);
          return;
        }
      }
      if (type.carriesData() && owned.length() == 0) {
        done.tryComplete();
        return;
      }
      if (type == FrameType.EOF) {
        localEof = true;
      } else if (type == FrameType.EXIT) {
        exitQueued = true;
      }
      out.add(new Outgoing(type, owned, done));
      if (state == State.OPEN) {
        session.markSendable(this);
      }
    });
    return done.future();
  }

  void accepted() {
    awaitingAccept = false;
    if (!out.isEmpty()) {
      session.markSendable(this);
    }
  }

  boolean hasSendable() {
    Outgoing head = out.peek();
    return state == State.OPEN && !awaitingAccept && head != null && (!head.type.carriesData() || sendCredit > 0);
  }

  /** Whether the next frame fits in {@code room} payload bytes: data frames are cut to fit, others are not. */
  boolean headFits(int room) {
    Outgoing head = out.peek();
    return head != null && (head.type.carriesData() ? room > 0 : head.payload.length() <= room);
  }

  /** The next frame to put on the wire, at most {@code max} payload bytes, or null if credit is out. */
  Frame nextFrame(int max) {
    Outgoing head = out.peek();
    if (head == null || state != State.OPEN || awaitingAccept) {
      return null;
    }
    if (!head.type.carriesData()) {
      out.poll();
      head.done.tryComplete();
      if (head.type == FrameType.EXIT) {
        localClose("exited");
      } else {
        maybeCloseAfterEof();
      }
      return Frame.of(head.type, id, head.payload);
    }
    int n = (int) Math.min(Math.min(max, sendCredit), head.payload.length());
    if (n <= 0) {
      return null;
    }
    Buffer chunk;
    if (n == head.payload.length()) {
      out.poll();
      chunk = head.payload;
      head.done.tryComplete();
    } else {
      chunk = head.payload.slice(0, n);
      out.poll();
      out.addFirst(new Outgoing(head.type, head.payload.slice(n, head.payload.length()), head.done));
    }
    sendCredit -= n;
    long after = queuedBytes.addAndGet(-n);
    long before = after + n;
    int limit = session.options().channelWriteQueue();
    if (before >= limit / 2 && after < limit / 2 && drainHandler != null) {
      Handler<Void> h = drainHandler;
      session.later(() -> h.handle(null));
    }
    return Frame.of(head.type, id, chunk);
  }

  void credit(long increment) {
    if (increment == 0 || sendCredit + increment > Integer.MAX_VALUE) {
      throw new ProtocolException(ErrorCode.FLOW_CONTROL_ERROR,
          "invalid window increment " + increment + " on channel " + id);
    }
    sendCredit += increment;
    if (hasSendable()) {
      session.markSendable(this);
    }
  }

  @Override
  public boolean writeQueueFull() {
    return queuedBytes.get() >= session.options().channelWriteQueue();
  }

  @Override
  public Channel drainHandler(Handler<Void> handler) {
    session.onLoop(() -> {
      this.drainHandler = handler;
      // Set from another thread, the handler may arrive after the queue already drained: call it now
      // rather than leave a paused producer waiting for a drain that has passed.
      if (handler != null && queuedBytes.get() < session.options().channelWriteQueue() / 2) {
        session.later(() -> handler.handle(null));
      }
    });
    return this;
  }

  @Override
  public void reset(ErrorCode code, String reason) {
    session.onLoop(() -> {
      if (state != State.CLOSED) {
        session.sendControl(Frame.of(FrameType.RST, id, Json.encode(new Failure(code.code, reason))));
        terminate("reset: " + reason, new ChannelOpenException(code, reason));
      }
    });
  }

  @Override
  public void request(ChannelRequest req) {
    session.onLoop(() -> {
      if (state == State.OPEN) {
        session.sendControl(Frame.of(FrameType.REQUEST, id, Json.encode(req)));
      }
    });
  }

  // ------------------------------------------------------------ receiving

  void received(boolean stderr, Buffer data) {
    if (remoteEof) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "data after EOF on channel " + id);
    }
    if (data.length() > peerCredit) {
      throw new ProtocolException(ErrorCode.FLOW_CONTROL_ERROR, "channel " + id + " received "
          + data.length() + " bytes with only " + peerCredit + " granted");
    }
    peerCredit -= data.length();
    deliver(() -> {
      Handler<Buffer> h = stderr && errHandler != null ? errHandler : dataHandler;
      if (h != null) {
        h.handle(data);
      }
      if (autoAck || h == null) {
        ack(data.length());
      }
    });
  }

  void remoteEof() {
    remoteEof = true;
    deliver(() -> {
      if (endHandler != null) {
        endHandler.handle(null);
      }
      maybeCloseAfterEof();
    });
  }

  void remoteExit(ExitStatus status) {
    deliver(() -> {
      if (exitHandler != null) {
        exitHandler.handle(status);
      }
      localClose(status.describe());
    });
  }

  void remoteRequest(ChannelRequest req) {
    deliver(() -> {
      if (requestHandler != null) {
        requestHandler.handle(req);
      }
    });
  }

  @Override
  public void ack(int bytes) {
    if (bytes <= 0) {
      return;
    }
    session.onLoop(() -> {
      if (state == State.CLOSED) {
        return;
      }
      pendingGrant += bytes;
      epochBytes += bytes;
      long growth = 0;
      if (epochBytes >= receiveWindow) {
        // The consumer drained a whole window: if that took less than ~2 RTTs, the window, not the
        // consumer, is the bottleneck, so double it (bounded per channel and by the session cap).
        // The minimum RTT, not the latest: queueing must not talk the window into more queueing.
        long elapsed = System.nanoTime() - epochStartNanos;
        long rtt = session.minRttNanos();
        if (rtt > 0 && elapsed < 2 * rtt && receiveWindow * 2 <= session.options().maxWindow()
            && session.mayGrowWindow(receiveWindow)) {
          growth = receiveWindow;
          session.windowGrew(growth);
          receiveWindow += growth;
        }
        epochBytes = 0;
        epochStartNanos = System.nanoTime();
        session.probeRtt();
      }
      // Batch grants: one WINDOW_UPDATE per quarter window keeps control traffic small.
      if (growth > 0 || pendingGrant >= receiveWindow / 4 || peerCredit < receiveWindow / 2) {
        long grant = pendingGrant + growth;
        pendingGrant = 0;
        peerCredit += grant;
        session.sendControl(Frame.of(FrameType.WINDOW_UPDATE, id, Buffer.buffer(4).appendUnsignedInt(grant)));
      }
    });
  }

  @Override
  public Channel manualAck() {
    autoAck = false;
    return this;
  }

  private void deliver(Runnable event) {
    held.add(event);
    if (dataHandler != null && !delivering) {
      drainHeld();
    }
  }

  private void drainHeld() {
    delivering = true;
    try {
      Runnable r;
      while (state != State.CLOSED && (r = held.poll()) != null) {
        r.run();
      }
    } finally {
      delivering = false;
    }
  }

  @Override
  public Channel handler(Handler<Buffer> handler) {
    session.onLoop(() -> {
      this.dataHandler = handler;
      // Deliver on the next turn so the caller can still set its other handlers.
      session.later(() -> {
        if (!delivering) {
          drainHeld();
        }
      });
    });
    return this;
  }

  @Override
  public Channel errHandler(Handler<Buffer> handler) {
    session.onLoop(() -> this.errHandler = handler);
    return this;
  }

  @Override
  public Channel endHandler(Handler<Void> handler) {
    session.onLoop(() -> this.endHandler = handler);
    return this;
  }

  @Override
  public Channel exitHandler(Handler<ExitStatus> handler) {
    session.onLoop(() -> this.exitHandler = handler);
    return this;
  }

  @Override
  public Channel requestHandler(Handler<ChannelRequest> handler) {
    session.onLoop(() -> this.requestHandler = handler);
    return this;
  }

  @Override
  public Channel closeHandler(Handler<String> handler) {
    session.onLoop(() -> {
      if (state == State.CLOSED) {
        handler.handle(closed.future().result());
      } else {
        this.closeHandler = handler;
      }
    });
    return this;
  }

  // ------------------------------------------------------------ closing

  private void maybeCloseAfterEof() {
    if (!expectsExit && localEof && remoteEof && out.isEmpty()) {
      localClose("closed");
    }
  }

  private void localClose(String reason) {
    clean = true;
    terminate(reason, null);
  }

  @Override
  public boolean closedCleanly() {
    return state == State.CLOSED && clean;
  }

  void terminate(String reason, RuntimeException openFailure) {
    if (state == State.CLOSED) {
      return;
    }
    boolean wasOpening = state == State.OPENING;
    state = State.CLOSED;
    session.unregister(this);
    for (Outgoing o : out) {
      o.done.tryFail("channel closed: " + reason);
    }
    out.clear();
    if (wasOpening && opening != null) {
      opening.tryFail(openFailure != null ? openFailure : new ChannelOpenException(ErrorCode.SHUTDOWN, reason));
    }
    // Events already received (e.g. output before EXIT) still reach a consumer that attaches late.
    Runnable rest = () -> {
      Runnable r;
      while ((r = held.poll()) != null) {
        r.run();
      }
      closed.tryComplete(reason);
      if (closeHandler != null) {
        closeHandler.handle(reason);
      }
    };
    if (dataHandler != null || held.isEmpty()) {
      rest.run();
    } else {
      session.later(rest);
    }
  }
}
