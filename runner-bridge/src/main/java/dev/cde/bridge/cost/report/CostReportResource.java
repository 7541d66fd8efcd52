package dev.cde.bridge.cost.report;

import dev.cde.bridge.problem.InvalidRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /api/v1/sessions/{id}/report}: the session's cost report, JSON by default, Markdown with
 * {@code format=markdown} or {@code Accept: text/markdown}. Under {@code /api/v1}: the API token applies.
 */
@Path("/api/v1/sessions/{id}/report")
public class CostReportResource {
  public static final String MARKDOWN = "text/markdown";
  private final CostReports reports;

  public CostReportResource(CostReports reports) {
    this.reports = reports;
  }

  @GET
  @Produces({MediaType.APPLICATION_JSON, MARKDOWN})
  public Response report(@PathParam("id") String id, @QueryParam("format") String format,
      @HeaderParam("Accept") String accept) {
    return answer(reports, id, format, accept);
  }

  /** JSON or Markdown as asked; shared with the other resources that serve a report (a GitHub job's). */
  public static Response answer(CostReports reports, String sessionId, String format, String accept) {
    if (markdown(format, accept)) {
      return Response.ok(reports.markdown(sessionId), MARKDOWN + "; charset=utf-8").build();
    }
    return Response.ok(reports.report(sessionId), MediaType.APPLICATION_JSON).build();
  }

  static boolean markdown(String format, String accept) {
    if (format != null && !format.isBlank()) {
      return switch (format.strip()) {
        case "markdown", "md" -> true;
        case "json" -> false;
        default -> throw new InvalidRequestException("format '" + format + "' is not one of json, markdown");
      };
    }
    return accept != null && accept.contains(MARKDOWN) && !accept.contains(MediaType.APPLICATION_JSON);
  }
}
