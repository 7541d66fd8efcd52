package dev.cde.tunnel;

import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * One multiplexed stream of a {@link TunnelSession}. Methods may be called from any thread; handlers run
 * on the session's event loop.
 *
 * <p>Flow control: the peer may only send as many bytes as this side granted. By default a received
 * buffer counts as consumed once the data handler returns; a consumer whose write completes later calls
 * {@link #manualAck()} and then {@link #ack(int)} when its write is done, so credit follows the real sink.
 */
public interface Channel {
  int id();

  OpenRequest request();

  TunnelSession session();

  /**
   * Queues bytes as DATA (stdout); the future completes once they went onto the WebSocket. The channel
   * takes the buffer over (no copy), so the caller must not change it afterwards.
   */
  Future<Void> write(Buffer data);

  /** Queues bytes as DATA_ERR (stderr). */
  Future<Void> writeErr(Buffer data);

  boolean writeQueueFull();

  Channel drainHandler(Handler<Void> handler);

  /** Half-close: no more data from this side (EOF). Ordered after the data already queued. */
  Future<Void> end();

  /** Sends EXIT after the queued output and closes the channel (exec and pty channels). */
  Future<Void> exit(ExitStatus status);

  /** Aborts the channel at once (RST); queued output is dropped. */
  void reset(ErrorCode code, String reason);

  void request(ChannelRequest request);

  Channel handler(Handler<Buffer> handler);

  Channel errHandler(Handler<Buffer> handler);

  Channel endHandler(Handler<Void> handler);

  Channel exitHandler(Handler<ExitStatus> handler);

  Channel requestHandler(Handler<ChannelRequest> handler);

  /** Called once when the channel is gone, with the reason (EXIT, both EOFs, RST, or the session's end). */
  Channel closeHandler(Handler<String> handler);

  Channel manualAck();

  /** Returns credit for bytes the consumer has finished with. */
  void ack(int bytes);

  Future<String> closed();

  boolean isClosed();

  /** True once closed by EXIT or by EOF in both directions, false while open or after a reset. */
  boolean closedCleanly();
}
