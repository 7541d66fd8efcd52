package dev.cde.bridge.cache.archive;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Runs the store's eviction and sweep on a worker thread, every {@code cde.cache.archives.sweep-every}. */
@ApplicationScoped
public class ArchiveSweeper {
  private static final Logger LOG = Logger.getLogger(ArchiveSweeper.class);
  private final ArchiveCacheStore store;
  private final dev.cde.bridge.replica.Replica replica;

  public ArchiveSweeper(ArchiveCacheStore store, dev.cde.bridge.replica.Replica replica) {
    this.replica = replica;
    this.store = store;
  }

  @Scheduled(every = "${cde.cache.archives.sweep-every:10m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void sweep() {
    if (!replica.leads()) {
      return; // one sweeper for the NAS the replicas share: the leader's
    }
    try {
      store.sweep();
    } catch (RuntimeException e) {
      LOG.warnf(e, "cache: sweep failed: %s", e.getMessage());
    }
  }
}
