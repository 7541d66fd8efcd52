package dev.cde.gitlab.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.cli.SessionView;
import dev.cde.gitlab.Bridge;
import dev.cde.gitlab.JobEnv;
import dev.cde.gitlab.StageFailure;
import dev.cde.gitlab.session.JobSessions;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code prepare}: one session for the job, named after it, and wait until its instance runs. Any failure
 * is a system failure: gitlab-runner retries prepare (after a cleanup) and reports it as ours, not the job's.
 */
public final class PrepareStage {
  /** A line in the job log while the instance starts, so a slow cold start does not look like a hang. */
  static final long PROGRESS_EVERY_SECONDS = 10;

  private PrepareStage() {}

  public static void prepare(JobEnv env, PrintStream out) {
    ObjectNode spec = JobSizing.spec(env); // before the bridge: a bad size needs no network to be reported
    JsonNode job = JobCacheScope.payload(env); // read once: the cache scope and the mirror both come from it
    ObjectNode cacheScope = job == null ? null : JobCacheScope.of(job);
    if (cacheScope != null) {
      spec.set("cacheScope", cacheScope);
      ObjectNode name = JobName.of(job); // with the project, one job's runs: its cost history and size advice
      if (name != null) {
        spec.set("job", name);
      }
    }
    Bridge bridge = new Bridge(env);
    JobSessions sessions = bridge.sessionsOf(env);
    // A session left by an attempt whose cleanup could not reach the bridge: one job, one instance.
    for (SessionView old : sessions.active()) {
      out.println("cde: ending " + old.id() + ", left by an earlier attempt of this job");
      bridge.client().endSession(old.id());
    }
    out.println("cde: starting a session for " + sessions.name() + " on " + bridge.client().base() + " ("
        + describe(spec) + ")");
    out.flush();
    CompletableFuture<JsonNode> created = bridge.client().createSession(spec);
    // The mirror refreshes while the instance starts: both are waits on other machines.
    CompletableFuture<JsonNode> mirror = JobMirror.refresh(job, bridge);
    long started = System.nanoTime();
    JsonNode rec;
    while (true) {
      try {
        rec = created.get(PROGRESS_EVERY_SECONDS, TimeUnit.SECONDS);
        break;
      } catch (TimeoutException e) {
        out.println("cde: still starting (" + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s)");
        out.flush();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : StageFailure.system(String.valueOf(e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StageFailure.system("interrupted while the session was starting");
      }
    }
    SessionView s = new SessionView(rec);
    if (!"RUNNING".equals(s.state())) {
      // wait=true answers after cde.session.wait-timeout even if the instance is still starting
      throw StageFailure.system("session " + s.id() + " is " + s.state() + " after "
          + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s, not running"
          + (s.endReason() == null ? "" : ": " + s.endReason()));
    }
    JsonNode agent = rec.path("agent");
    out.println("cde: session " + s.id() + " running after " + String.format(java.util.Locale.ROOT, "%.1f s",
        (System.nanoTime() - started) / 1e9) + (agent.hasNonNull("hostname") ? " on " + agent.path("hostname").asText() : "")
        + "; max duration " + rec.path("maxDurationSeconds").asLong() + " s");
    if (mirror != null) {
      JobMirror.install(env, bridge, s, mirror, out);
    }
    out.flush();
  }

  private static String describe(ObjectNode spec) {
    StringBuilder b = new StringBuilder();
    spec.fields().forEachRemaining(f -> {
      if (f.getKey().equals("cacheScope")) {
        b.append(b.length() == 0 ? "" : ", ").append("cache ").append(f.getValue().path("repository").asText())
            .append(' ').append(f.getValue().path("ref").asText());
      } else if (f.getKey().equals("job")) {
        b.append(b.length() == 0 ? "" : ", ").append("job ").append(f.getValue().path("name").asText());
      } else if (!f.getKey().equals("name")) {
        b.append(b.length() == 0 ? "" : ", ").append(f.getKey()).append(' ').append(f.getValue().asText());
      }
    });
    return b.toString();
  }
}
