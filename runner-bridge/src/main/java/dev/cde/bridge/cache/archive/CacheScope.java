package dev.cde.bridge.cache.archive;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a job's cache entries go and which it may read: its own ref first, then its repository's default
 * branch. A pull request's ref ({@code refs/pull/N/merge}) is its own, so no other pull request sees its entries.
 *
 * @param repository {@code owner/name}, or a session's repository label outside GitHub
 * @param ref        what the job writes to, e.g. {@code refs/heads/feature} or {@code refs/pull/7/merge}
 * @param defaultRef the default branch ({@code refs/heads/main}), readable by every ref; null when unknown
 */
public record CacheScope(String repository, String ref, String defaultRef) {
  public CacheScope {
    if (repository == null || repository.isBlank() || ref == null || ref.isBlank()) {
      throw new IllegalArgumentException("a cache scope needs a repository and a ref");
    }
  }

  /** The refs read, in the order they are searched. */
  public List<String> readRefs() {
    List<String> refs = new ArrayList<>(List.of(ref));
    if (defaultRef != null && !defaultRef.equals(ref)) {
      refs.add(defaultRef);
    }
    return refs;
  }
}
