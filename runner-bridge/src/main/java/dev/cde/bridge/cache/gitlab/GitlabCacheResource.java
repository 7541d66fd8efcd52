package dev.cde.bridge.cache.gitlab;

import dev.cde.bridge.problem.ApiException;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * {@code GET /api/v1/gitlab-cache/stats} (API token): per GitLab project, what the cache gave its jobs (hits,
 * misses, bytes each way). The counters are kept by {@link GitlabCacheStore}; this only reads them.
 */
@Path("/api/v1/gitlab-cache")
public class GitlabCacheResource {
  private final GitlabCacheStore store;
  private final GitlabCacheConfig config;

  public GitlabCacheResource(GitlabCacheStore store, GitlabCacheConfig config) {
    this.store = store;
    this.config = config;
  }

  @GET
  @Path("stats")
  @Blocking
  @Produces(MediaType.APPLICATION_JSON)
  public List<GitlabCacheIndex.Stats> stats() {
    if (!config.enabled()) {
      throw new ApiException(404, "The GitLab cache is off", "cde.gitlab-cache.enabled is false") { };
    }
    return store.stats();
  }
}
