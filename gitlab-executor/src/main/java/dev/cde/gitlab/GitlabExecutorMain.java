package dev.cde.gitlab;

import dev.cde.cli.CliException;
import dev.cde.cli.ExitCodes;
import dev.cde.cli.TunnelConnector;
import dev.cde.gitlab.cleanup.CleanupStage;
import dev.cde.gitlab.config.ConfigStage;
import dev.cde.gitlab.prepare.PrepareStage;
import dev.cde.gitlab.run.RunStage;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cde-gitlab-executor <stage> ...}: the one entry point config.toml names four times. Every failure
 * ends here: one line on stderr and the exit code gitlab-runner asked for (ExecutorContract).
 */
@Command(name = "cde-gitlab-executor", mixinStandardHelpOptions = true,
    description = "GitLab Runner custom executor: each job on its own cde instance.",
    subcommands = {GitlabExecutorMain.Config.class, GitlabExecutorMain.Prepare.class, GitlabExecutorMain.Run.class,
        GitlabExecutorMain.Cleanup.class, GitlabExecutorMain.CdsTraining.class})
public final class GitlabExecutorMain {
  static final String PREFIX = "cde-gitlab-executor: ";

  public static void main(String[] args) {
    System.exit(execute(JobEnv.system(), System.out, System.err, args));
  }

  static int execute(JobEnv env, PrintStream out, PrintStream err, String... args) {
    CommandLine cl = new CommandLine(new GitlabExecutorMain(), new Factory(env, out, err));
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println(PREFIX + ex.getMessage() + " (stages: config, prepare, run <script> <stage>, cleanup)");
      return env.systemFailureExitCode();
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> {
      if (ex instanceof StageFailure f) {
        err.println(PREFIX + f.getMessage());
        return f.kind() == StageFailure.Kind.BUILD ? env.buildFailureExitCode() : env.systemFailureExitCode();
      }
      if (ex instanceof CliException e) { // the cli's client: bridge unreachable, token refused, session failed
        err.println(PREFIX + e.getMessage());
        // A spent budget is the job's owner's limit, not our fault: a build failure, which gitlab-runner neither
        // retries (three prepares would be refused alike) nor counts as a runner system failure.
        return e.exitCode() == ExitCodes.BUDGET_EXCEEDED ? env.buildFailureExitCode() : env.systemFailureExitCode();
      }
      err.println(PREFIX + "internal error: " + ex);
      if (env.runner("CDE_DEBUG") != null) {
        ex.printStackTrace(err);
      }
      return env.systemFailureExitCode();
    });
    return cl.execute(args);
  }

  /** Hands each stage command the call's environment and streams (tests give their own). */
  private record Factory(JobEnv env, PrintStream out, PrintStream err) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      if (Stage.class.isAssignableFrom(cls)) {
        K k = CommandLine.defaultFactory().create(cls);
        Stage s = (Stage) k;
        s.env = env;
        s.out = out;
        s.err = err;
        return k;
      }
      return CommandLine.defaultFactory().create(cls);
    }
  }

  abstract static class Stage implements java.util.concurrent.Callable<Integer> {
    JobEnv env;
    PrintStream out;
    PrintStream err;
  }

  @Command(name = ExecutorContract.CONFIG, description = "Print the JSON gitlab-runner reads (builds_dir, cache_dir, ...).")
  static final class Config extends Stage {
    @Override
    public Integer call() {
      out.println(ConfigStage.json(env));
      out.flush();
      return 0;
    }
  }

  @Command(name = ExecutorContract.PREPARE, description = "Start the job's session and wait until it runs.")
  static final class Prepare extends Stage {
    @Override
    public Integer call() {
      PrepareStage.prepare(env, out);
      return 0;
    }
  }

  @Command(name = ExecutorContract.RUN, description = "Run a stage's script on the job's instance.")
  static final class Run extends Stage {
    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The script gitlab-runner wrote for the stage.")
    Path script;

    @Parameters(index = "1", paramLabel = "STAGE", description = "The stage's name (any name is accepted).")
    String stage;

    @Override
    public Integer call() {
      return RunStage.run(env, script, stage, err);
    }
  }

  @Command(name = ExecutorContract.CLEANUP, description = "End the job's session(s); fine when there is none.")
  static final class Cleanup extends Stage {
    @Override
    public Integer call() {
      CleanupStage.cleanup(env, err);
      return 0;
    }
  }

  /** The packaging's training start for the class-data archive: loads what a real stage loads, talks to no one. */
  @Command(name = "cds-training", hidden = true)
  static final class CdsTraining extends Stage {
    @Override
    public Integer call() throws Exception {
      ConfigStage.json(env);
      // port 1 refuses at once: the failed calls still load the HTTP, WebSocket and Vert.x classes
      URI nowhere = URI.create("http://127.0.0.1:1");
      new dev.cde.cli.BridgeClient(nowhere, () -> "training").healthy();
      try (TunnelConnector t = new TunnelConnector(nowhere, "training")) {
        t.connect("s-training");
      } catch (CliException expected) {
        // refused, as planned
      }
      return 0;
    }
  }
}
