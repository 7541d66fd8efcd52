package dev.cde.bridge.costs;

import dev.cde.bridge.problem.InvalidRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code GET /api/v1/costs?from=&to=&groupBy=&gpu=&format=}: what ended sessions cost, added up by repository,
 * workflow, job, label set, day or GPU type, as JSON or CSV (docs/dashboard.md, "The costs API"). Under
 * {@code /api/v1}, so the API token applies.
 */
@Path("/api/v1/costs")
public class CostsResource {
  private final CostAggregates aggregates;

  public CostsResource(CostAggregates aggregates) {
    this.aggregates = aggregates;
  }

  @GET
  @Produces({MediaType.APPLICATION_JSON, CostsCsv.MEDIA_TYPE})
  public Response costs(@QueryParam("from") String from, @QueryParam("to") String to,
      @QueryParam("groupBy") String groupBy, @QueryParam("gpu") String gpu, @QueryParam("format") String format) {
    String f = format == null || format.isBlank() ? "json" : format.strip().toLowerCase(Locale.ROOT);
    if (!f.equals("json") && !f.equals("csv")) {
      throw new InvalidRequestException("format '" + format + "' is not json or csv");
    }
    CostQuery query;
    try {
      query = CostQuery.parse(from, to, groupBy, gpu, Instant.now());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    CostSummary summary = aggregates.summarize(query);
    if (f.equals("csv")) {
      String name = "cde-costs-" + query.groupBy().parameter() + ".csv";
      return Response.ok(CostsCsv.write(summary, query.groupBy()), CostsCsv.MEDIA_TYPE)
          .header("Content-Disposition", "attachment; filename=\"" + name + "\"").build();
    }
    return Response.ok(summary, MediaType.APPLICATION_JSON).build();
  }
}
