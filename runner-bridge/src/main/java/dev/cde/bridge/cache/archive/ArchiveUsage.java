package dev.cde.bridge.cache.archive;

import java.time.Instant;

/** What one repository keeps in the archive cache: how many entries, how many bytes, when one was last used. */
public record ArchiveUsage(String repository, long entries, long bytes, Instant lastUsedAt) {
}
