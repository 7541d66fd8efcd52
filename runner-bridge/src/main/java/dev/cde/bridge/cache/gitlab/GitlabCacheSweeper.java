package dev.cde.bridge.cache.gitlab;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Runs the GitLab cache's eviction and sweep on a worker thread, every {@code cde.gitlab-cache.sweep-every}. */
@ApplicationScoped
public class GitlabCacheSweeper {
  private static final Logger LOG = Logger.getLogger(GitlabCacheSweeper.class);
  private final GitlabCacheStore store;
  private final GitlabCacheConfig config;
  private final dev.cde.bridge.replica.Replica replica;

  public GitlabCacheSweeper(GitlabCacheStore store, GitlabCacheConfig config, dev.cde.bridge.replica.Replica replica) {
    this.store = store;
    this.config = config;
    this.replica = replica;
  }

  @Scheduled(every = "${cde.gitlab-cache.sweep-every:10m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void sweep() {
    if (!config.enabled() || !replica.leads()) {
      return; // one sweeper for the store the replicas share: the leader's
    }
    try {
      store.sweep();
    } catch (RuntimeException e) {
      LOG.warnf(e, "gitlab cache: sweep failed: %s", e.getMessage());
    }
  }
}
