package dev.cde.bridge.relay;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.ChannelRequest;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The terminals of one session, so that a second client can watch one (read-only) or share it
 * (with write). The owner's pace sets the terminal's: viewers that cannot keep up are dropped
 * rather than allowed to slow the owner down or to grow a buffer.
 */
final class Terminals {
  private final Map<String, Terminal> byName = new LinkedHashMap<>();
  private final AtomicInteger counter = new AtomicInteger();

  synchronized Terminal add(Channel upstream, Channel owner) {
    Terminal t = new Terminal("t" + counter.incrementAndGet(), upstream, owner);
    byName.put(t.name, t);
    upstream.closed().onComplete(ar -> remove(t.name));
    t.start();
    return t;
  }

  private synchronized void remove(String name) {
    byName.remove(name);
  }

  /** The named terminal, or the newest one when {@code name} is null. */
  synchronized Optional<Terminal> find(String name) {
    if (name == null || name.isBlank()) {
      List<Terminal> all = new ArrayList<>(byName.values());
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }
    return Optional.ofNullable(byName.get(name));
  }

  synchronized void closeAll(String reason) {
    for (Terminal t : byName.values()) {
      t.upstream.reset(ErrorCode.SHUTDOWN, reason);
    }
    byName.clear();
  }

  static final class Terminal {
    final String name;
    final Channel upstream;
    final Channel owner;
    private final List<Channel> viewers = new CopyOnWriteArrayList<>();

    Terminal(String name, Channel upstream, Channel owner) {
      this.name = name;
      this.upstream = upstream;
      this.owner = owner;
    }

    private void start() {
      upstream.manualAck();
      upstream.handler(buf -> {
        owner.write(buf).onComplete(ar -> upstream.ack(buf.length()));
        for (Channel v : viewers) {
          if (v.writeQueueFull()) {
            viewers.remove(v);
            v.reset(ErrorCode.REFUSED, "viewer too slow for terminal " + name);
          } else {
            v.write(buf);
          }
        }
      });
      upstream.exitHandler(status -> {
        owner.exit(status);
        viewers.forEach(v -> v.exit(status));
      });
      upstream.closeHandler(reason -> {
        if (!upstream.closedCleanly()) {
          owner.reset(ErrorCode.SHUTDOWN, reason);
          viewers.forEach(v -> v.reset(ErrorCode.SHUTDOWN, reason));
        }
      });
      input(owner, true);
      owner.requestHandler(upstream::request);
      owner.endHandler(v -> upstream.end());
      owner.closeHandler(reason -> {
        if (!owner.closedCleanly() && !upstream.isClosed()) {
          upstream.reset(ErrorCode.SHUTDOWN, "terminal owner left: " + reason);
        }
      });
    }

    /** Adds a viewer; with {@code write} its keystrokes reach the terminal too. */
    void attach(Channel viewer, boolean write) {
      viewers.add(viewer);
      input(viewer, write);
      viewer.requestHandler(req -> {
        if (write && ChannelRequest.SIGNAL.equals(req.type())) {
          upstream.request(req);
        }
      });
      viewer.closeHandler(reason -> viewers.remove(viewer));
      viewer.write(Buffer.buffer("\r\n[cde: attached to terminal " + name + (write ? "" : ", read-only") + "]\r\n"));
    }

    private void input(Channel from, boolean write) {
      from.manualAck();
      from.handler(buf -> {
        if (write) {
          upstream.write(buf).onComplete(ar -> from.ack(buf.length()));
        } else {
          from.ack(buf.length());
        }
      });
    }
  }
}
