package dev.cde.bridge.relay;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
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

  /** Oldest first. */
  synchronized List<TerminalInfo> list() {
    return byName.values().stream().map(Terminal::info).toList();
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
    private final List<TerminalViewer> viewers = new CopyOnWriteArrayList<>();
    private volatile Integer cols;
    private volatile Integer rows;

    Terminal(String name, Channel upstream, Channel owner) {
      this.name = name;
      this.upstream = upstream;
      this.owner = owner;
      this.cols = upstream.request() == null ? null : upstream.request().cols();
      this.rows = upstream.request() == null ? null : upstream.request().rows();
    }

    TerminalInfo info() {
      return new TerminalInfo(name, cols, rows);
    }

    private void start() {
      upstream.manualAck();
      upstream.handler(buf -> {
        owner.write(buf).onComplete(ar -> upstream.ack(buf.length()));
        for (TerminalViewer v : viewers) {
          if (v.writeQueueFull()) {
            viewers.remove(v);
            v.closed("viewer too slow for terminal " + name, true);
          } else {
            v.write(buf);
          }
        }
      });
      upstream.exitHandler(status -> {
        owner.exit(status);
        viewers.forEach(v -> v.exited(status));
      });
      upstream.closeHandler(reason -> {
        if (!upstream.closedCleanly()) {
          owner.reset(ErrorCode.SHUTDOWN, reason);
          viewers.forEach(v -> v.closed(reason, false));
        }
      });
      input(owner, true);
      owner.requestHandler(req -> {
        if (ChannelRequest.RESIZE.equals(req.type()) && req.cols() != null && req.rows() != null) {
          cols = req.cols();
          rows = req.rows();
          viewers.forEach(v -> v.resized(req.cols(), req.rows()));
        }
        upstream.request(req);
      });
      owner.endHandler(v -> upstream.end());
      owner.closeHandler(reason -> {
        if (!owner.closedCleanly() && !upstream.isClosed()) {
          upstream.reset(ErrorCode.SHUTDOWN, "terminal owner left: " + reason);
        }
      });
    }

    /** Adds a client's channel as a viewer; with {@code write} its keystrokes reach the terminal too. */
    void attach(Channel viewer, boolean write) {
      ChannelViewer v = new ChannelViewer(viewer);
      viewers.add(v);
      input(viewer, write);
      viewer.requestHandler(req -> {
        if (write && ChannelRequest.SIGNAL.equals(req.type())) {
          upstream.request(req);
        }
      });
      viewer.closeHandler(reason -> viewers.remove(v));
      viewer.write(Buffer.buffer("\r\n[cde: attached to terminal " + name + (write ? "" : ", read-only") + "]\r\n"));
    }

    /**
     * Adds a viewer that can only watch: there is no way from it to the terminal. Returns what detaches it
     * (when the viewer goes away first).
     */
    Runnable watch(TerminalViewer viewer) {
      Integer c = cols;
      Integer r = rows;
      if (c != null && r != null) {
        viewer.resized(c, r);
      }
      viewer.write(Buffer.buffer("\r\n[cde: watching terminal " + name + ", read-only]\r\n"));
      viewers.add(viewer);
      if (upstream.isClosed()) { // it closed while we attached: its handlers will not run again
        viewers.remove(viewer);
        viewer.closed("terminal " + name + " is closed", false);
      }
      return () -> viewers.remove(viewer);
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

  /** A client's tunnel channel (e.g. {@code cde shell --attach}) as a viewer. */
  private record ChannelViewer(Channel channel) implements TerminalViewer {
    @Override
    public boolean writeQueueFull() {
      return channel.writeQueueFull();
    }

    @Override
    public void write(Buffer output) {
      channel.write(output);
    }

    @Override
    public void resized(int cols, int rows) {
      // the attaching client keeps its own window size
    }

    @Override
    public void exited(ExitStatus status) {
      channel.exit(status);
    }

    @Override
    public void closed(String reason, boolean tooSlow) {
      channel.reset(tooSlow ? ErrorCode.REFUSED : ErrorCode.SHUTDOWN, reason);
    }
  }
}
