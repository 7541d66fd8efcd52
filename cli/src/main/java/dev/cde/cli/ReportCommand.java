package dev.cde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cde report ID | --name NAME | --github-job JOB [--json]}: a session's cost report, as the bridge renders
 * it, on stdout. By name, the newest session created with it (a GitLab job's is {@code gitlab-<host>-<job id>}).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Print a session's cost report: cost by resource, billed time, cold start, cache, and what the same",
        "job would cost on the nearest GitHub-hosted runner. Markdown by default, JSON with --json."})
final class ReportCommand extends BridgeCommand implements Callable<Integer> {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  static final class Which {
    @Parameters(index = "0", paramLabel = "ID", description = "The session (s-...).")
    String id;

    @Option(names = "--name", paramLabel = "NAME", description = "The newest session created with this name.")
    String name;

    @Option(names = "--github-job", paramLabel = "JOB", description = "The session whose runner took this GitHub job id.")
    Long githubJob;
  }

  @Option(names = "--json", description = "The report as JSON (the bridge's GET /api/v1/sessions/{id}/report).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    BridgeClient client = client(false);
    String text = which.githubJob != null ? client.githubJobReport(which.githubJob, json)
        : client.report(which.id != null ? which.id : newestNamed(client, which.name), json);
    OUT.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    if (!text.endsWith("\n")) {
      OUT.write('\n');
    }
    return ExitCodes.OK;
  }

  private static String newestNamed(BridgeClient client, String name) {
    JsonNode list = client.sessionsNamed(name);
    for (JsonNode n : list.isArray() ? list : list.path("sessions")) {
      String id = new SessionView(n).id();
      if (id != null) {
        return id;
      }
    }
    throw new CliException(ExitCodes.NOT_FOUND, "no session named " + name);
  }
}
