package dev.cde.bridge.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The metrics the features report as things happen (docs/metrics.md lists each one). Tags take only the bridge's
 * own small vocabularies (a source, a cache, a result), never a name, token or path a client chose.
 */
@ApplicationScoped
public class BridgeMetrics {
  /** Where a job came from: a GitHub workflow job, a GitLab job, or {@code cde run} and other API clients. */
  public static final String GITHUB = "github";
  public static final String GITLAB = "gitlab";
  public static final String CDE = "cde";
  /** The keyed archive cache (actions/cache, {@code cde cache}) and GitLab's own cache. */
  public static final String ARCHIVE_CACHE = "archive";
  public static final String GITLAB_CACHE = "gitlab";

  private final MeterRegistry registry;

  public BridgeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A job waited {@code wait} from the bridge hearing it was queued until its session was asked for. */
  public void queueWait(String source, Duration wait) {
    Timer.builder("cde.queue.wait").description("Time from a job being queued (the webhook) to its session's launch")
        .tag("source", source).register(registry).record(wait.isNegative() ? Duration.ZERO : wait);
  }

  /** One cache lookup: {@code hit}, {@code partial} (a restore key matched) or {@code miss}. */
  public void cacheLookup(String cache, String result) {
    Counter.builder("cde.cache.lookups").description("Cache lookups by result; the hit rate is hit / all")
        .tag("cache", cache).tag("result", result).register(registry).increment();
  }

  /** Bytes a cache gave back ({@code restored}) or took ({@code saved}). */
  public void cacheBytes(String cache, String direction, long bytes) {
    if (bytes > 0) {
      Counter.builder("cde.cache").baseUnit("bytes").description("Bytes restored from and saved to a cache")
          .tag("cache", cache).tag("direction", direction).register(registry).increment(bytes);
    }
  }
}
