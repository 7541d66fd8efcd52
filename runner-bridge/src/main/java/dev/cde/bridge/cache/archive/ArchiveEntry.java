package dev.cde.bridge.cache.archive;

import java.time.Instant;

/** One published archive, as its index row says. */
public record ArchiveEntry(String id, String repository, String ref, String key, String version, String fileName,
    long sizeBytes, Instant createdAt, Instant lastUsedAt) {
}
