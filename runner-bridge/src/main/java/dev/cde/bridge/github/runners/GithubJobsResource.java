package dev.cde.bridge.github.runners;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * What the bridge knows of GitHub jobs and its runners, newest first: the first place to look when a job
 * stays queued (docs/github.md, "Troubleshooting"). Under {@code /api/v1}, so the API token applies.
 */
@Path("/api/v1/github")
@Produces(MediaType.APPLICATION_JSON)
public class GithubJobsResource {
  private final GithubJobStore store;

  public GithubJobsResource(GithubJobStore store) {
    this.store = store;
  }

  @GET
  @Path("jobs")
  public List<GithubJob> jobs(@QueryParam("limit") @DefaultValue("50") int limit) {
    return store.recentJobs(Math.min(Math.max(limit, 1), 500));
  }

  @GET
  @Path("runners")
  public List<GithubRunner> runners(@QueryParam("limit") @DefaultValue("50") int limit) {
    return store.recentRunners(Math.min(Math.max(limit, 1), 500));
  }
}
