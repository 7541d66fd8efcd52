package dev.cde.gitlab.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.cli.SessionView;
import dev.cde.cli.TunnelConnector;
import dev.cde.gitlab.Bridge;
import dev.cde.gitlab.JobEnv;
import dev.cde.gitlab.run.RunStage;
import dev.cde.tunnel.TunnelSession;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The job's repository mirrored on the NAS (docs/caching.md, "git mirrors"): prepare asks the bridge to refresh
 * it with the job's own clone URL (its token opens the project; it travels in the request body and is never
 * printed), then leaves a file on the instance that every run stage sources, so get_sources' git fetch counts
 * the mirror's objects as present. A mirror that is off, failing or slow costs the job nothing but the warm start.
 */
public final class JobMirror {
  /** The longest prepare waits for a refresh beyond the instance's start; the next job finds it done. */
  static final int WAIT_SECONDS = 20;
  /** Where the run stage looks for it, next to the stage scripts (RemoteScript). */
  public static final String ENV_FILE = "git-mirror";

  private JobMirror() {}

  /** Starts the refresh, or answers null when there is no payload or it has no clone URL. */
  static CompletableFuture<JsonNode> refresh(JsonNode job, Bridge bridge) {
    String url = job == null ? "" : job.path("git_info").path("repo_url").asText("");
    return url.isBlank() ? null : bridge.client().refreshGitMirror(url, WAIT_SECONDS);
  }

  /** Waits for the refresh (bounded) and writes the alternates file into the running instance. */
  static void install(JobEnv env, Bridge bridge, SessionView session, CompletableFuture<JsonNode> refresh,
      PrintStream out) {
    String mirror;
    try {
      JsonNode answer = refresh.get(WAIT_SECONDS + 5L, TimeUnit.SECONDS);
      mirror = answer.path("mirror").asText("");
    } catch (Exception e) {
      Throwable why = e.getCause() == null ? e : e.getCause();
      out.println("cde: no git mirror for this job: " + redact(why.getMessage() == null ? why.toString() : why.getMessage()));
      return;
    }
    // The bridge made the path from checked segments; checked again here because it lands in a shell file.
    if (!mirror.matches("[A-Za-z0-9._/-]+") || mirror.contains("..")) {
      out.println("cde: no git mirror for this job: the bridge named an unusable path");
      return;
    }
    String script = "m=\"${CDE_NAS:-/nas}/" + mirror + "/objects\"\n"
        + "if [ -d \"$m\" ]; then export GIT_ALTERNATE_OBJECT_DIRECTORIES=\"$m\"; fi\n";
    try (TunnelConnector tunnels = bridge.tunnels()) {
      TunnelSession tunnel = tunnels.connect(session.id());
      RunStage.place(tunnel, env.sessionName(), ENV_FILE, script.getBytes(StandardCharsets.UTF_8));
      out.println("cde: git fetches in this job borrow objects from the bridge's mirror " + mirror);
    } catch (RuntimeException e) {
      out.println("cde: no git mirror for this job: " + redact(e.getMessage()));
    }
  }

  /** Messages may quote a URL; its user info would be the job token. */
  static String redact(String s) {
    return s == null ? "" : s.replaceAll("://[^/@\\s]+@", "://");
  }
}
