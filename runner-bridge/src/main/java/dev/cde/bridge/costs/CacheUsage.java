package dev.cde.bridge.costs;

import dev.cde.bridge.cache.archive.ArchiveUsage;
import dev.cde.bridge.cache.archive.CacheStats;
import java.time.Instant;
import java.util.List;

/**
 * The keyed archive cache as the dashboard shows it: what each repository keeps against its quota now, and the hits
 * and misses of the sessions in {@code [from, to)}.
 */
public record CacheUsage(long quotaBytesPerRepository, long entries, long bytes, List<ArchiveUsage> repositories,
    Instant from, Instant to, CacheStats stats) {
}
