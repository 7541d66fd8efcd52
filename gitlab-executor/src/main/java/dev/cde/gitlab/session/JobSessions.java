package dev.cde.gitlab.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.cli.BridgeClient;
import dev.cde.cli.SessionView;
import dev.cde.gitlab.StageFailure;
import java.util.ArrayList;
import java.util.List;

/**
 * The sessions of one job, found through the bridge by the job's session name. No state file: a retried
 * prepare runs in a fresh temp dir, and a stage's process keeps nothing; the bridge does.
 */
public final class JobSessions {
  /** States in which a session still holds (or will hold) an instance. */
  private static final String[] ACTIVE = {"PENDING", "STARTING", "RUNNING", "STOPPING"};

  private final BridgeClient client;
  private final String name;

  public JobSessions(BridgeClient client, String name) {
    this.client = client;
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** The job's running session (the newest, should a failed cleanup have left an older one). */
  public SessionView running() {
    for (SessionView s : named("RUNNING")) {
      return s;
    }
    // Say why it ended (a cost cap, max duration) in the job log, where the job's owner looks.
    for (SessionView s : named("ENDED", "FAILED")) {
      if (s.endReason() != null) {
        throw StageFailure.system("the cde session of this job (" + s.id() + ") ended: " + s.endReason());
      }
    }
    throw StageFailure.system("no running cde session for this job (" + name + "): prepare did not finish, or the"
        + " session ended (max duration reached, instance gone; `cde sessions` on the bridge says why)");
  }

  /** Every session of the job that may still hold an instance, newest first. */
  public List<SessionView> active() {
    return named(ACTIVE);
  }

  private List<SessionView> named(String... states) {
    JsonNode list = client.sessionsNamed(name, states);
    List<SessionView> out = new ArrayList<>();
    for (JsonNode n : list.isArray() ? list : list.path("sessions")) {
      out.add(new SessionView(n));
    }
    return out;
  }
}
