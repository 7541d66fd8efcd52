package dev.cde.gitlab.run;

import dev.cde.cli.CostLine;
import dev.cde.cli.ExitCodes;
import dev.cde.cli.SessionView;
import dev.cde.cli.Signals;
import dev.cde.cli.StdinPump;
import dev.cde.cli.TunnelConnector;
import dev.cde.gitlab.Bridge;
import dev.cde.gitlab.ExecutorContract;
import dev.cde.gitlab.JobEnv;
import dev.cde.gitlab.StageFailure;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.ChannelOpenException;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code run <script> <stage>}: the stage's script, shipped to the job's instance and run there with bash,
 * its stdout and stderr streamed to ours as they come. The job's instance outlives this process: the bridge
 * holds it, so the files of one stage are there for the next.
 */
public final class RunStage {
  /** After a cancel, how long the script's process group gets to end on SIGTERM before SIGKILL. */
  static final long TERM_GRACE_MILLIS = 2000;
  /** Unbuffered: remote bytes go out exactly as they came, with nothing held back. */
  private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);
  private static final OutputStream ERR = new FileOutputStream(FileDescriptor.err);

  private static final byte[] NIX_PUSH = ("command -v cde-nix-push >/dev/null 2>&1 || exit 0\n"
      + "cde-nix-push || echo 'cde: pushing nix paths to the cache failed' >&2\n"
      + "exit 0\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private RunStage() {}

  /** Returns the exit code for gitlab-runner: 0, or the build failure code (the script's code in the file). */
  public static int run(JobEnv env, Path script, String stage, PrintStream err) {
    byte[] content;
    try {
      content = Files.readAllBytes(script);
    } catch (IOException e) {
      throw StageFailure.system("cannot read the script " + script + ": " + e.getMessage());
    }
    Timings timings = new Timings(env.runner("CDE_DEBUG") != null, err);
    Bridge bridge = new Bridge(env);
    // Vert.x starts while the bridge looks the session up: the two are most of a stage's overhead
    CompletableFuture<TunnelConnector> connector = CompletableFuture.supplyAsync(bridge::tunnels);
    SessionView session;
    try {
      session = bridge.sessionsOf(env).running();
    } catch (RuntimeException e) {
      connector.thenAccept(TunnelConnector::close);
      throw e;
    }
    timings.mark("session found");
    // the job started with its first stage: every stage says so, the bridge keeps the first (docs/costs.md)
    CompletableFuture<Void> jobStarted = CompletableFuture.runAsync(() -> bridge.client().jobStarted(session.id()))
        .exceptionally(e -> {
          err.println("cde: " + session.id() + ": could not record the job's start for the cost report: "
              + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
          return null;
        });
    CompletableFuture<String> cancelled = new CompletableFuture<>();
    // gitlab-runner cancels (job cancelled, timed out) with SIGTERM to our process group
    Signals.handle("TERM", () -> cancelled.complete("TERM"));
    Signals.handle("INT", () -> cancelled.complete("INT"));
    int code;
    try (TunnelConnector tunnels = connector.join()) {
      TunnelSession tunnel = tunnels.connect(session.id());
      timings.mark("tunnel open");
      String path = place(tunnel, env.sessionName(), stage, content);
      timings.mark("script placed");
      if (cancelled.isDone()) { // cancelled while we connected: the script must not start at all
        err.println("cde: " + session.id() + ": stage cancelled (SIG" + cancelled.join() + ") before it started");
        return env.buildFailureExitCode();
      }
      jobStarted.join(); // told before the script starts, so the job's time covers all of it
      try {
        code = execute(tunnel, session.id(), path, cancelled, err);
      } catch (StageFailure f) {
        throw whyEnded(bridge, session.id(), f);
      }
      timings.mark("script ran");
      if (ExecutorContract.LAST_STAGE.equals(stage)) {
        // What the job built with nix goes to the bridge's binary cache (docs/caching.md), so the next
        // instance substitutes it; an image without nix skips this silently.
        String push = place(tunnel, env.sessionName(), "cde-nix-push", NIX_PUSH);
        execute(tunnel, session.id(), push, cancelled, err);
        reportCost(bridge, session, err);
      }
    }
    timings.mark("tunnel closed");
    if (code == 0) {
      return 0;
    }
    Path codeFile = env.buildExitCodeFile();
    if (codeFile != null) {
      try {
        Files.writeString(codeFile, code + "\n");
      } catch (IOException e) {
        err.println("cde-gitlab-executor: cannot write " + codeFile + ": " + e.getMessage());
      }
    }
    return env.buildFailureExitCode();
  }

  /** Writes the script through a channel's stdin into a 0700 file; returns its path on the instance. */
  public static String place(TunnelSession tunnel, String sessionName, String stage, byte[] content) {
    Channel ch = open(tunnel, RemoteScript.writeCommand(sessionName, stage));
    Buffer printed = Buffer.buffer();
    Buffer errors = Buffer.buffer();
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    ch.handler(printed::appendBuffer);
    ch.errHandler(errors::appendBuffer);
    ch.exitHandler(exit::complete);
    ch.closeHandler(reason -> exit.completeExceptionally(lost(reason)));
    StdinPump.pump(new ByteArrayInputStream(content), ch, true);
    ExitStatus status = join(exit, 60);
    if (ExitCodes.of(status) != 0) {
      throw StageFailure.system("cannot place the script on the instance (" + status.describe() + "): "
          + errors.toString(StandardCharsets.UTF_8).strip());
    }
    return printed.toString(StandardCharsets.UTF_8).strip();
  }

  /** Runs the placed script; returns its shell-style exit code. A cancel stops it and returns 128 + signal. */
  static int execute(TunnelSession tunnel, String sessionId, String path, CompletableFuture<String> cancelled,
      PrintStream err) {
    Channel ch = open(tunnel, RemoteScript.runCommand(path));
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    ch.handler(b -> write(OUT, b));
    ch.errHandler(b -> write(ERR, b));
    ch.exitHandler(exit::complete);
    ch.closeHandler(reason -> exit.completeExceptionally(lost(reason)));
    ch.end(); // the script's stdin: nothing, as under gitlab-runner's own shells
    cancelled.thenAccept(signal -> {
      Thread t = new Thread(() -> stop(tunnel, ch, path, signal, exit), "cde-cancel");
      t.setDaemon(true);
      t.start();
    });
    ExitStatus status = join(exit, -1);
    if (cancelled.isDone()) {
      err.println("cde: " + sessionId + ": stage cancelled (SIG" + cancelled.join() + "); the script was stopped");
    }
    return ExitCodes.of(status);
  }

  /**
   * A cancel: SIGTERM to the script's process group, so its traps run and its background jobs end too;
   * after a grace, SIGKILL to the group. The channel is reset last, so the agent kills whatever is left
   * of the process tree, and the exit is completed first, so that close is not taken for a lost instance.
   */
  private static void stop(TunnelSession tunnel, Channel ch, String path, String signal,
      CompletableFuture<ExitStatus> exit) {
    signalGroup(tunnel, path, signal);
    try {
      exit.get(TERM_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      signalGroup(tunnel, path, "KILL");
    }
    exit.complete(ExitStatus.signal(signal, "INT".equals(signal) ? 2 : 15));
    if (!ch.isClosed()) {
      ch.reset(ErrorCode.NONE, "job cancelled (SIG" + signal + ")");
    }
  }

  private static void signalGroup(TunnelSession tunnel, String path, String signal) {
    try {
      Channel k = open(tunnel, RemoteScript.signalCommand(path, signal));
      k.end();
      k.closed().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the reset that follows still has the agent kill the script's process tree
    }
  }

  /**
   * The job's end (this is its last stage), then its cost line and report in the job log: the session ends only at
   * cleanup, whose output never reaches the job log, so these are the figures so far.
   */
  private static void reportCost(Bridge bridge, SessionView session, PrintStream err) {
    try {
      bridge.client().jobEnded(session.id());
    } catch (RuntimeException e) {
      err.println("cde: " + session.id() + ": could not record the job's end for the cost report: " + e.getMessage());
    }
    try {
      com.fasterxml.jackson.databind.node.ObjectNode rec = session.json().deepCopy();
      rec.set("cost", bridge.client().costSoFar(session.id()));
      err.println(CostLine.soFar(new SessionView(rec), session.id()) + " (the session ends at cleanup)");
      err.println();
      err.print(bridge.client().report(session.id(), false));
    } catch (RuntimeException e) {
      err.println("cde: " + session.id() + ": no cost report: " + e.getMessage());
    }
    err.flush();
  }

  private static Channel open(TunnelSession tunnel, java.util.List<String> argv) {
    try {
      return TunnelConnector.await(tunnel.open(OpenRequest.exec(argv, null, null)), 60);
    } catch (ChannelOpenException e) {
      throw StageFailure.system("cannot start " + argv.get(0) + " on the instance: " + TunnelConnector.describe(e));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw StageFailure.system("cannot open a channel to the instance: " + e.getMessage());
    }
  }

  private static ExitStatus join(CompletableFuture<ExitStatus> exit, int seconds) {
    try {
      return seconds < 0 ? exit.get() : exit.get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : StageFailure.system(String.valueOf(e.getCause()));
    } catch (java.util.concurrent.TimeoutException e) {
      throw StageFailure.system("the instance did not answer within " + seconds + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StageFailure.system("interrupted");
    }
  }

  /**
   * The instance went away under the script: when the bridge ended the session (its cost cap, its max duration), the
   * job log says so instead of only "lost the connection".
   */
  static StageFailure whyEnded(Bridge bridge, String sessionId, StageFailure f) {
    try {
      SessionView now = new SessionView(bridge.client().session(sessionId));
      if (!"RUNNING".equals(now.state()) && now.endReason() != null) {
        return new StageFailure(f.kind(), f.getMessage() + "; the bridge ended session " + sessionId + ": "
            + now.endReason(), f);
      }
    } catch (RuntimeException e) {
      // the bridge cannot say: the original failure is the whole story we have
    }
    return f;
  }

  private static StageFailure lost(String reason) {
    return StageFailure.system("lost the connection to the instance: " + reason);
  }

  private static void write(OutputStream out, Buffer b) {
    try {
      out.write(b.getBytes());
    } catch (IOException e) {
      // gitlab-runner stopped reading: nothing useful to do with the bytes
    }
  }

}
