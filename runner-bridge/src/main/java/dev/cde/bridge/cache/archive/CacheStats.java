package dev.cde.bridge.cache.archive;

/** One job's (session's) use of the archive cache. A partial hit is a restore key's match, not the exact key's. */
public record CacheStats(int hits, int partialHits, int misses, long bytesRestored, long bytesSaved) {
}
