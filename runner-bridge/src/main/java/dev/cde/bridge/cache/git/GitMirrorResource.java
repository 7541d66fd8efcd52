package dev.cde.bridge.cache.git;

import dev.cde.bridge.problem.ApiException;
import dev.cde.bridge.problem.InvalidRequestException;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/git-mirrors/refresh} (API token, like every {@code /api/v1} path): refreshes a repository's
 * mirror before a job, for callers that hold the job's credentials (GitLab's executor: the job token is in
 * {@code CI_REPOSITORY_URL}). Credentials travel in the body, never in the query, so no access log shows them.
 */
@Path("/api/v1/git-mirrors")
public class GitMirrorResource {
  private static final Logger LOG = Logger.getLogger(GitMirrorResource.class);

  /** {@code url} may carry user and password; {@code waitSeconds} caps the wait (at most cde.cache.git.job-wait). */
  public record RefreshRequest(String url, String user, String password, Integer waitSeconds) {
    /** Redacted: a debug print of the request must not show the job token. */
    @Override
    public String toString() {
      return "RefreshRequest[url=" + (url == null ? null : MirrorPath.redact(url)) + "]";
    }
  }

  private final GitMirrors mirrors;

  public GitMirrorResource(GitMirrors mirrors) {
    this.mirrors = mirrors;
  }

  /**
   * 200 with the mirror once refreshed; 202 when the wait ran out (the refresh goes on, the job fetches the rest
   * from its forge); 404 when mirrors are off. The answer's {@code mirror} is relative to the NAS root.
   */
  @POST
  @Path("refresh")
  @Blocking
  @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
  @jakarta.ws.rs.Produces(MediaType.APPLICATION_JSON)
  public Response refresh(RefreshRequest req) {
    if (req == null || req.url() == null || req.url().isBlank()) {
      throw new InvalidRequestException("url is required");
    }
    if (!mirrors.enabled()) {
      throw new ApiException(404, "Git mirrors are off", "cde.cache.git.enabled is false") {};
    }
    MirrorPath path;
    try {
      path = MirrorPath.of(req.url());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage()); // MirrorPath's messages carry no credentials
    }
    Duration wait = mirrors.jobWait();
    if (req.waitSeconds() != null && req.waitSeconds() >= 0 && req.waitSeconds() < wait.toSeconds()) {
      wait = Duration.ofSeconds(req.waitSeconds());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("mirror", path.relative());
    try {
      GitMirrors.Refreshed r = mirrors.refreshAsync(req.url(), req.user(), req.password())
          .get(wait.toMillis(), TimeUnit.MILLISECONDS);
      body.put("cloned", r.cloned());
      body.put("tookMillis", r.took().toMillis());
      return Response.ok(body).build();
    } catch (TimeoutException e) {
      body.put("pending", true);
      return Response.accepted(body).build();
    } catch (ExecutionException e) {
      LOG.warnf("git mirror %s: refresh failed: %s", path.relative(), e.getCause().getMessage());
      throw new ApiException(502, "Git mirror refresh failed", e.getCause().getMessage()) {};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "Interrupted", "the bridge is stopping") {};
    }
  }
}
