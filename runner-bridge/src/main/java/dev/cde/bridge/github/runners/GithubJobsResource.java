package dev.cde.bridge.github.runners;

import dev.cde.bridge.cost.report.CostReportResource;
import dev.cde.bridge.cost.report.CostReports;
import dev.cde.bridge.problem.NotFoundException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * What the bridge knows of GitHub jobs and its runners, newest first: the first place to look when a job
 * stays queued (docs/github.md, "Troubleshooting"). Under {@code /api/v1}, so the API token applies.
 */
@Path("/api/v1/github")
@Produces(MediaType.APPLICATION_JSON)
public class GithubJobsResource {
  private final GithubJobStore store;
  private final CostReports reports;

  public GithubJobsResource(GithubJobStore store, CostReports reports) {
    this.store = store;
    this.reports = reports;
  }

  /** The cost report of the session whose runner took the job (JSON, or Markdown as for a session's report). */
  @GET
  @Path("jobs/{jobId}/report")
  @Produces({MediaType.APPLICATION_JSON, CostReportResource.MARKDOWN})
  public Response report(@PathParam("jobId") long jobId, @QueryParam("format") String format,
      @HeaderParam("Accept") String accept) {
    GithubRunner r = store.runnerOfJob(jobId).orElseThrow(() -> new NotFoundException("no runner of this bridge took"
        + " GitHub job " + jobId));
    return CostReportResource.answer(reports, r.sessionId(), format, accept);
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
