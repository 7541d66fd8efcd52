package dev.cde.cli;

import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cde}: serverless dev boxes and CI machines from the command line. */
@Command(name = "cde", mixinStandardHelpOptions = true, versionProvider = CdeMain.Version.class,
    description = "Run commands, shells and port forwards on a fresh serverless machine, billed by the second.",
    subcommands = {UpCommand.class, RunCommand.class, ShellCommand.class, ForwardCommand.class,
        SessionsCommand.class, StopCommand.class, LogsCommand.class, ReportCommand.class,
        dev.cde.cli.cache.CacheCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: the remote command's own for run/shell; 2 usage, 3 bridge unreachable, "
        + "4 session failed, 5 token refused, 6 not found, 7 cache miss (--fail-on-cache-miss), 8 cache entry refused,"
        + " 125 internal error. See docs/cli.md."})
public final class CdeMain implements Runnable {
  public static final String VERSION = "0.1.0";

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (run, shell, forward, sessions, stop, logs, report, up, cache)");
  }

  public static void main(String[] args) {
    System.exit(execute(System.err, args));
  }

  static int execute(PrintStream err, String... args) {
    CommandLine cl = commandLine(err);
    return cl.execute(args);
  }

  static CommandLine commandLine(PrintStream err) {
    CommandLine cl = new CommandLine(new CdeMain());
    // `cde run ls -l` as well as `cde run -- ls -l`: options after the command are the command's
    cl.getSubcommands().get("run").setStopAtPositional(true);
    cl.getSubcommands().get("shell").setStopAtPositional(true);
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine c = ex.getCommandLine();
      err.println("cde: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
      return ExitCodes.USAGE;
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> {
      if (ex instanceof CliException e) {
        err.println("cde: " + e.getMessage());
        return e.exitCode();
      }
      if (ex instanceof ParameterException p) {
        err.println("cde: " + p.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
        return ExitCodes.USAGE;
      }
      err.println("cde: internal error: " + ex);
      if (System.getenv("CDE_DEBUG") != null) {
        ex.printStackTrace(err);
      }
      return ExitCodes.INTERNAL;
    });
    return cl;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cde " + VERSION};
    }
  }
}
