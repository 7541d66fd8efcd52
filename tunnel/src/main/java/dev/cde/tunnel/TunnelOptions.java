package dev.cde.tunnel;

import java.time.Duration;

/** Tunables of one tunnel session. The initial window is a protocol constant (both peers assume it). */
public final class TunnelOptions {
  /** Credit each side starts with on every channel, in each direction (docs/protocol.md). */
  public static final int INITIAL_WINDOW = 256 * 1024;

  private int maxWindow = 16 * 1024 * 1024;
  private long sessionBufferCap = 64L * 1024 * 1024;
  private int maxChannels = 1024;
  private int channelWriteQueue = 512 * 1024;
  private int batchBytes = 64 * 1024;
  private Duration keepaliveInterval = Duration.ofSeconds(20);
  private Duration keepaliveTimeout = Duration.ofSeconds(15);
  private long replayBufferCap = 8L * 1024 * 1024;
  private Duration resumeGrace = Duration.ofSeconds(60);

  public int maxWindow() {
    return maxWindow;
  }

  public TunnelOptions maxWindow(int bytes) {
    this.maxWindow = Math.max(bytes, INITIAL_WINDOW);
    return this;
  }

  /** Most bytes this side lets peers have in flight towards it, over all channels together. */
  public long sessionBufferCap() {
    return sessionBufferCap;
  }

  public TunnelOptions sessionBufferCap(long bytes) {
    this.sessionBufferCap = Math.max(bytes, INITIAL_WINDOW);
    return this;
  }

  public int maxChannels() {
    return maxChannels;
  }

  public TunnelOptions maxChannels(int n) {
    this.maxChannels = n;
    return this;
  }

  /** Bytes a local writer may queue on one channel before {@code writeQueueFull()} says stop. */
  public int channelWriteQueue() {
    return channelWriteQueue;
  }

  public TunnelOptions channelWriteQueue(int bytes) {
    this.channelWriteQueue = bytes;
    return this;
  }

  /** Target size of one WebSocket message; small enough that channels interleave finely. */
  public int batchBytes() {
    return batchBytes;
  }

  public TunnelOptions batchBytes(int bytes) {
    this.batchBytes = bytes;
    return this;
  }

  public Duration keepaliveInterval() {
    return keepaliveInterval;
  }

  public TunnelOptions keepaliveInterval(Duration d) {
    this.keepaliveInterval = d;
    return this;
  }

  /** How long a PING may go unanswered before the connection is declared dead. */
  public Duration keepaliveTimeout() {
    return keepaliveTimeout;
  }

  public TunnelOptions keepaliveTimeout(Duration d) {
    this.keepaliveTimeout = d;
    return this;
  }

  /**
   * Most bytes (frame headers included) of sent, sequenced frames kept until the peer acknowledges them,
   * for replay after a dropped connection. When full, this side sends no more sequenced frames until an
   * ACK frees room: a resumable tunnel's in-flight bytes are capped here, never by memory.
   */
  public long replayBufferCap() {
    return replayBufferCap;
  }

  public TunnelOptions replayBufferCap(long bytes) {
    // One largest frame must always fit, or a full-size DATA frame could never be sent.
    this.replayBufferCap = Math.max(bytes, 2L * (dev.cde.tunnel.codec.FrameCodec.HEADER_LENGTH
        + dev.cde.tunnel.codec.FrameCodec.MAX_DATA_PAYLOAD));
    return this;
  }

  /**
   * How long the accepting side keeps a session whose connection dropped without GOAWAY, waiting for the
   * dialer to resume it; announced in its HELLO, so the dialer re-dials for as long.
   */
  public Duration resumeGrace() {
    return resumeGrace;
  }

  public TunnelOptions resumeGrace(Duration d) {
    this.resumeGrace = d;
    return this;
  }
}
