package dev.cde.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cde logs ID [-f] [--tail N]}: what a session's process printed, byte for byte, on stdout. */
@Command(name = "logs", mixinStandardHelpOptions = true,
    description = {"Print a session's log (e.g. a GitHub runner's output), also after the session ended.",
        "With -f, keep printing new output until the session ends (Ctrl-C stops earlier, exit 0)."})
final class LogsCommand extends BridgeCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The session.")
  String id;

  @Option(names = {"-f", "--follow"}, description = "Wait for new output until the session has ended.")
  boolean follow;

  @Option(names = "--tail", paramLabel = "N", description = "Start at the last N lines (0: only new output with -f).")
  Integer tail;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (tail != null && tail < 0) {
      throw new ParameterException(spec.commandLine(), "--tail must be 0 or more, not " + tail);
    }
    BridgeClient client = client(false);
    if (!follow) {
      try (InputStream in = client.logs(id, tail, false)) {
        copy(in, OUT, client);
      }
      return ExitCodes.OK;
    }
    // Following has no end of its own until the session ends: Ctrl-C (or TERM, HUP) is the normal way out.
    CompletableFuture<Integer> cancel = new CompletableFuture<>();
    Signals.handle("INT", () -> cancel.complete(ExitCodes.OK));
    Signals.handle("TERM", () -> cancel.complete(ExitCodes.OK));
    Signals.handle("HUP", () -> cancel.complete(ExitCodes.OK));
    // Reading blocks (on the answer, then on each chunk) and closing the stream from another thread does not
    // reliably wake it, so the whole read runs on a daemon thread and a signal only has to win the race: the
    // JVM exits under the reader, which closes the connection and lets the bridge forget this follower.
    CompletableFuture<Void> copied = CompletableFuture.runAsync(() -> {
      try (InputStream in = client.logs(id, tail, true)) {
        copy(in, OUT, client);
      } catch (IOException e) {
        // closing after the end: nothing left to lose
      }
    }, runnable -> {
      Thread t = new Thread(runnable, "cde-logs-reader");
      t.setDaemon(true);
      t.start();
    });
    try {
      CompletableFuture.anyOf(copied, cancel).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof CliException c ? c : e;
    }
    return cancel.isDone() ? cancel.join() : ExitCodes.OK;
  }

  /** Copies until the end of the log; a reader of ours that went away (`| head`) ends it quietly, like a pipeline. */
  private static void copy(InputStream in, OutputStream out, BridgeClient client) {
    byte[] buf = new byte[64 * 1024];
    while (true) {
      int n;
      try {
        n = in.read(buf);
      } catch (IOException e) {
        throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "lost the bridge at " + client.base()
            + " while reading the log: " + e.getMessage());
      }
      if (n < 0) {
        return;
      }
      try {
        out.write(buf, 0, n);
      } catch (IOException e) {
        closeQuietly(in);
        return;
      }
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // closing only to let the bridge go; nothing to report
    }
  }
}
