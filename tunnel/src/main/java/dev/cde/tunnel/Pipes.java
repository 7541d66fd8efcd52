package dev.cde.tunnel;

import dev.cde.tunnel.codec.ErrorCode;
import io.vertx.core.net.NetSocket;

/**
 * Joins channels to sockets and to other channels with end-to-end flow control: credit goes back to
 * the sender only when the next hop has accepted the bytes, so a slow consumer slows the producer
 * instead of filling a buffer in between.
 */
public final class Pipes {
  private Pipes() {}

  /** A TCP channel and a socket: bytes, half-close and errors in both directions. */
  public static void join(Channel channel, NetSocket socket) {
    channel.manualAck();
    channel.handler(buf -> socket.write(buf).onComplete(ar -> channel.ack(buf.length())));
    channel.endHandler(v -> socket.end());
    channel.closeHandler(reason -> socket.close());
    socket.handler(buf -> {
      channel.write(buf);
      if (channel.writeQueueFull()) {
        socket.pause();
        channel.drainHandler(v -> socket.resume());
      }
    });
    socket.endHandler(v -> channel.end());
    socket.exceptionHandler(e -> channel.reset(ErrorCode.INTERNAL, "socket error: " + e.getMessage()));
    socket.closeHandler(v -> {
      if (!channel.isClosed()) {
        channel.end();
      }
    });
  }

  /**
   * Splices two channels of two tunnels (the bridge between a client and an instance): data, stderr,
   * EOF, EXIT, REQUEST and RST pass through in both directions.
   */
  public static void splice(Channel a, Channel b) {
    splice(a, b, null);
  }

  /**
   * Like {@link #splice(Channel, Channel)}, also handing what {@code b} sends (data and stderr) to {@code tap}
   * as it passes, e.g. a process's output into a log. The tap must not block: it runs on the channel's loop.
   */
  public static void splice(Channel a, Channel b, io.vertx.core.Handler<io.vertx.core.buffer.Buffer> tap) {
    forward(a, b, null);
    forward(b, a, tap);
  }

  private static void forward(Channel from, Channel to, io.vertx.core.Handler<io.vertx.core.buffer.Buffer> tap) {
    from.manualAck();
    from.handler(buf -> {
      if (tap != null) {
        tap.handle(buf);
      }
      to.write(buf).onComplete(ar -> from.ack(buf.length()));
    });
    from.errHandler(buf -> {
      if (tap != null) {
        tap.handle(buf);
      }
      to.writeErr(buf).onComplete(ar -> from.ack(buf.length()));
    });
    from.endHandler(v -> to.end());
    from.exitHandler(to::exit);
    from.requestHandler(to::request);
    from.closeHandler(reason -> {
      // An orderly close already travelled as EOF/EXIT and closes the other side by itself.
      if (!from.closedCleanly() && !to.isClosed()) {
        to.reset(ErrorCode.SHUTDOWN, reason);
      }
    });
  }
}
