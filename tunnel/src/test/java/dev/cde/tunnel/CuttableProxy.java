package dev.cde.tunnel;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy in front of a tunnel endpoint that a test can cut (close every connection, as a broken
 * network path would), refuse new connections through, or stall in one direction (a path that stops
 * forwarding without closing).
 */
public final class CuttableProxy implements AutoCloseable {
  private final Vertx vertx;
  private final NetServer server;
  private final NetClient client;
  private final int targetPort;
  private final List<NetSocket[]> links = new CopyOnWriteArrayList<>();
  private volatile boolean refusing;
  private volatile boolean stallUpstream;
  private volatile int cuts;

  public CuttableProxy(Vertx vertx, int targetPort) throws Exception {
    this.vertx = vertx;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(this::onConnect);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }

  public int cuts() {
    return cuts;
  }

  private void onConnect(NetSocket front) {
    if (refusing) {
      front.close();
      return;
    }
    front.pause();
    client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        front.close();
        return;
      }
      NetSocket back = ar.result();
      NetSocket[] link = {front, back};
      links.add(link);
      pump(front, back, true);
      pump(back, front, false);
      front.closeHandler(v -> {
        back.close();
        links.remove(link);
      });
      back.closeHandler(v -> {
        front.close();
        links.remove(link);
      });
      front.resume();
    });
  }

  /** Copies {@code from} to {@code to} with back-pressure; the upstream direction (client to server) can stall. */
  private void pump(NetSocket from, NetSocket to, boolean upstream) {
    from.handler(buf -> {
      to.write(buf);
      if (to.writeQueueFull() || (upstream && stallUpstream)) {
        from.pause();
        to.drainHandler(v -> {
          if (!(upstream && stallUpstream)) {
            from.resume();
          }
        });
      }
    });
  }

  /** Closes every connection through the proxy, like a network path that broke. */
  public void cut() {
    cuts++;
    for (NetSocket[] link : links) {
      link[0].close();
      link[1].close();
    }
    links.clear();
  }

  /** From now on, new connections are closed at once (the instance is unreachable). */
  public void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  /** Stops (or resumes) forwarding from the dialer to the server, without closing anything. */
  public void stallUpstream(boolean stall) {
    this.stallUpstream = stall;
    for (NetSocket[] link : links) {
      if (stall) {
        link[0].pause();
      } else {
        link[0].resume();
      }
    }
  }

  @Override
  public void close() throws Exception {
    cut();
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client.close();
  }
}
