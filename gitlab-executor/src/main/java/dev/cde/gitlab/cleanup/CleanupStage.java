package dev.cde.gitlab.cleanup;

import dev.cde.cli.CostLine;
import dev.cde.cli.SessionView;
import dev.cde.gitlab.Bridge;
import dev.cde.gitlab.JobEnv;
import dev.cde.gitlab.session.JobSessions;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code cleanup}: ends every session of the job and prints its final cost report. gitlab-runner calls it after every
 * prepare attempt that failed and once at the end, so it must be content with nothing to end. Its output reaches
 * only the runner's log (the contract: cleanup's stdout and stderr never reach the job log), so the user's report,
 * with the figures so far, is printed by the last run stage; this one is the final figure, for the runner's admin.
 */
public final class CleanupStage {
  private CleanupStage() {}

  public static void cleanup(JobEnv env, PrintStream err) {
    Bridge bridge = new Bridge(env);
    JobSessions sessions = bridge.sessionsOf(env);
    List<SessionView> active = sessions.active();
    if (active.isEmpty()) {
      err.println("cde: nothing to end for " + sessions.name());
      return;
    }
    for (SessionView s : active) {
      // ending an ended session answers its record: a cleanup racing another one is harmless
      SessionView ended = new SessionView(bridge.client().endSession(s.id()));
      err.println(CostLine.format(ended, s.id(), "job " + env.jobId() + " cleaned up"));
      try {
        err.print(bridge.client().report(s.id(), false));
      } catch (RuntimeException e) {
        err.println("cde: " + s.id() + ": no cost report: " + e.getMessage());
      }
    }
  }
}
