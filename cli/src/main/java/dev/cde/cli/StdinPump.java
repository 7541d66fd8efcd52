package dev.cde.cli;

import dev.cde.tunnel.Channel;
import io.vertx.core.buffer.Buffer;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Copies our stdin into a channel on a daemon thread (stdin reads block, and may never end on a
 * terminal), waiting whenever the channel's queue is full; sends EOF at our EOF.
 */
public final class StdinPump {
  private StdinPump() {}

  static Thread start(Channel channel, boolean sendEof) {
    Thread t = new Thread(() -> pump(new FileInputStream(FileDescriptor.in), channel, sendEof), "cde-stdin");
    t.setDaemon(true);
    t.start();
    return t;
  }

  public static void pump(InputStream in, Channel channel, boolean sendEof) {
    byte[] buf = new byte[32 * 1024];
    try {
      int n;
      while ((n = in.read(buf)) >= 0 && !channel.isClosed()) {
        if (n == 0) {
          continue;
        }
        while (channel.writeQueueFull() && !channel.isClosed()) {
          Thread.sleep(2);
        }
        channel.write(Buffer.buffer().appendBytes(buf, 0, n));
      }
    } catch (IOException e) {
      // stdin gone: same as EOF
    } catch (InterruptedException e) {
      return;
    }
    if (sendEof && !channel.isClosed()) {
      channel.end();
    }
  }
}
