package dev.cde.bridge.costs;

import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.ArchiveUsage;
import dev.cde.bridge.cache.archive.ArchivesConfig;
import dev.cde.bridge.problem.InvalidRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;

/** {@code GET /api/v1/cache/usage?from=&to=}: the archive cache's size per repository and its hit counts. */
@Path("/api/v1/cache/usage")
@Produces(MediaType.APPLICATION_JSON)
public class CacheUsageResource {
  private final ArchiveIndex index;
  private final ArchivesConfig config;

  public CacheUsageResource(ArchiveIndex index, ArchivesConfig config) {
    this.index = index;
    this.config = config;
  }

  /** {@code from} and {@code to} as for {@code /api/v1/costs}: the last seven days when left out. */
  @GET
  public CacheUsage usage(@QueryParam("from") String from, @QueryParam("to") String to) {
    CostQuery period;
    try {
      period = CostQuery.parse(from, to, null, null, Instant.now());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    List<ArchiveUsage> repos = index.usage();
    return new CacheUsage(ArchiveCacheStore.parseSize(config.quota()),
        repos.stream().mapToLong(ArchiveUsage::entries).sum(), repos.stream().mapToLong(ArchiveUsage::bytes).sum(),
        repos, period.from(), period.to(), index.statsBetween(period.from(), period.to()));
  }
}
