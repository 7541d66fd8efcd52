package dev.cde.agent;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * An exec or pty channel: one child process. Its output is pumped by blocking reader threads that wait
 * for channel credit before reading more (so a slow client throttles the process, not our heap); input
 * is written on a single writer thread and acknowledged only once written.
 */
final class ProcessChannel {
  private static final Logger LOG = Logger.getLogger(ProcessChannel.class.getName());
  private static final String[] SIGNALS = {"", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
      "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
      "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};

  private final Channel channel;
  private final Process process;
  private final ExecutorService stdinWriter;
  private final Runnable onExit;

  private ProcessChannel(Channel channel, Process process, Runnable onExit) {
    this.channel = channel;
    this.process = process;
    this.onExit = onExit;
    this.stdinWriter = Executors.newSingleThreadExecutor(r -> daemon(r, "stdin-" + channel.id()));
  }

  /** Starts the process; throws IOException (the open is refused with its message) if it cannot start. */
  static Process spawn(OpenRequest req) throws IOException {
    return spawn(req, Map.of());
  }

  /** {@code sessionEnv}: the session's variables sent with its first connection (over the instance's own). */
  static Process spawn(OpenRequest req, Map<String, String> sessionEnv) throws IOException {
    List<String> argv = req.argv();
    if (argv == null || argv.isEmpty()) {
      throw new IOException("no command given");
    }
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(sessionEnv);
    // The agent's own settings are not the job's business.
    env.keySet().removeIf(k -> k.startsWith("CDE_AGENT_") || k.equals("CDE_SESSION_ID"));
    if (req.env() != null) {
      env.putAll(req.env());
    }
    String cwd = req.cwd() != null ? req.cwd() : System.getProperty("user.dir");
    if (!new File(cwd).isDirectory()) {
      throw new IOException("working directory " + cwd + " does not exist");
    }
    if (OpenRequest.PTY.equals(req.kind())) {
      env.put("TERM", req.term() != null ? req.term() : env.getOrDefault("TERM", "xterm-256color"));
      return new PtyProcessBuilder(argv.toArray(String[]::new))
          .setEnvironment(env)
          .setDirectory(cwd)
          .setInitialColumns(req.cols() != null ? req.cols() : 80)
          .setInitialRows(req.rows() != null ? req.rows() : 24)
          .setConsole(false)
          .start();
    }
    ProcessBuilder pb = new ProcessBuilder(argv).directory(new File(cwd));
    pb.environment().clear();
    pb.environment().putAll(env);
    return pb.start();
  }

  static void run(Channel channel, Process process, Runnable onExit) {
    new ProcessChannel(channel, process, onExit).start();
  }

  private void start() {
    boolean pty = process instanceof PtyProcess;
    channel.manualAck();
    channel.handler(buf -> stdinWriter.execute(() -> {
      try {
        OutputStream in = process.getOutputStream();
        in.write(buf.getBytes());
        in.flush();
      } catch (IOException e) {
        // The process closed its stdin or exited; the bytes have nowhere to go.
      } finally {
        channel.ack(buf.length());
      }
    }));
    channel.endHandler(v -> stdinWriter.execute(() -> {
      try {
        if (pty) {
          process.getOutputStream().write(4); // ^D: a terminal has no half-close
          process.getOutputStream().flush();
        } else {
          process.getOutputStream().close();
        }
      } catch (IOException e) {
        // already closed
      }
    }));
    channel.requestHandler(this::onRequest);
    channel.closeHandler(reason -> {
      if (process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      stdinWriter.shutdown();
    });
    Thread out = daemon(() -> pump(process.getInputStream(), false), "stdout-" + channel.id());
    Thread err = pty ? null : daemon(() -> pump(process.getErrorStream(), true), "stderr-" + channel.id());
    out.start();
    if (err != null) {
      err.start();
    }
    daemon(() -> {
      ExitStatus status;
      try {
        int code = process.waitFor();
        out.join();
        if (err != null) {
          err.join();
        }
        status = toStatus(code);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        status = ExitStatus.failed("agent interrupted");
      }
      stdinWriter.shutdown();
      channel.exit(status);
      onExit.run();
    }, "wait-" + channel.id()).start();
  }

  private void pump(InputStream in, boolean stderr) {
    byte[] buf = new byte[32 * 1024];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        Buffer b = Buffer.buffer(n).appendBytes(buf, 0, n);
        Future<Void> sent = stderr ? channel.writeErr(b) : channel.write(b);
        // Wait for the bytes to leave: the peer's credit, not our memory, bounds what is read ahead.
        sent.toCompletionStage().toCompletableFuture().get();
      }
    } catch (IOException e) {
      // A pty reports EIO when the last writer closes: that is its end of file.
    } catch (ExecutionException e) {
      // The channel closed under us; stop reading, the process is being killed.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onRequest(ChannelRequest req) {
    if (ChannelRequest.RESIZE.equals(req.type()) && process instanceof PtyProcess pty && req.cols() != null
        && req.rows() != null && req.cols() > 0 && req.rows() > 0) {
      pty.setWinSize(new WinSize(req.cols(), req.rows()));
    } else if (ChannelRequest.SIGNAL.equals(req.type()) && req.signal() != null) {
      signal(req.signal());
    }
  }

  private void signal(String name) {
    String sig = name.toUpperCase().replaceFirst("^SIG", "");
    if (signalNumber(sig) <= 0) {
      LOG.info("channel " + channel.id() + ": ignoring unknown signal " + name);
      return;
    }
    try {
      new ProcessBuilder("kill", "-s", sig, Long.toString(process.pid())).inheritIO().start();
    } catch (IOException e) {
      channel.reset(ErrorCode.INTERNAL, "cannot deliver signal: " + e.getMessage());
    }
  }

  /** The JDK reports death by signal N as exit value 128+N (like a shell's $?). */
  static ExitStatus toStatus(int code) {
    if (code > 128 && code < 128 + SIGNALS.length) {
      int sig = code - 128;
      return ExitStatus.signal(SIGNALS[sig], sig);
    }
    return ExitStatus.code(code);
  }

  static int signalNumber(String name) {
    for (int i = 1; i < SIGNALS.length; i++) {
      if (SIGNALS[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
