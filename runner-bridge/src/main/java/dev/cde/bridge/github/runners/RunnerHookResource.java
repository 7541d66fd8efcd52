package dev.cde.bridge.github.runners;

import dev.cde.bridge.problem.InvalidRequestException;
import dev.cde.bridge.problem.UnauthorizedException;
import dev.cde.bridge.session.InstanceTokens;
import dev.cde.tunnel.auth.InvalidTokenException;
import dev.cde.tunnel.auth.TunnelTokens;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Where the runner's job hooks call. Outside {@code /api/v1}: instances never hold the API token. Each runner
 * gets a token for its own session only (audience {@value RunnerLauncher#HOOK_AUDIENCE}), so a job can report
 * about itself and nothing else. Answers are plain text that a shell script reads line by line.
 */
@Path("/github/hooks")
@Blocking
public class RunnerHookResource {
  private final RunnerHooks hooks;
  private final InstanceTokens tokens;

  public RunnerHookResource(RunnerHooks hooks, InstanceTokens tokens) {
    this.hooks = hooks;
    this.tokens = tokens;
  }

  /** First line {@code run} or {@code refuse}, then the message. */
  @POST
  @Path("job-started")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  @Produces(MediaType.TEXT_PLAIN)
  public String jobStarted(@HeaderParam("Authorization") String authorization, @FormParam("runId") String runId,
      @FormParam("runAttempt") String runAttempt, @FormParam("ref") String ref) {
    RunnerHooks.Verdict v = hooks.jobStarted(session(authorization), number(runId, "runId"),
        (int) Math.max(1, number(runAttempt, "runAttempt")), ref);
    return (v.run() ? "run" : "refuse") + "\n" + v.message().replace('\n', ' ') + "\n";
  }

  @POST
  @Path("job-completed")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  @Produces(MediaType.TEXT_PLAIN)
  public String jobCompleted(@HeaderParam("Authorization") String authorization) {
    return hooks.jobCompleted(session(authorization)) + "\n";
  }

  private String session(String authorization) {
    try {
      // Refused once its session ended: a leaked hook token cannot start or end anything after its job.
      return tokens.verify(RunnerLauncher.HOOK_AUDIENCE, TunnelTokens.bearer(authorization));
    } catch (InvalidTokenException e) {
      throw new UnauthorizedException("runner hook: " + e.getMessage());
    }
  }

  private static long number(String value, String name) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(name + " must be a number");
    }
  }
}
