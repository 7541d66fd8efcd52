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

  /** What the index's columns hold (cache_session_scopes, cache_archives). */
  static final int MAX_REPOSITORY = 200;
  static final int MAX_REF = 300;

  /**
   * A scope a client asked for (a session created through the API): checked so that a typo is a clear error at
   * creation rather than an index failure at the first cache call. {@code isolated/} refs are the bridge's own.
   *
   * @throws IllegalArgumentException saying which field is wrong
   */
  public static CacheScope requested(String repository, String ref, String defaultRef) {
    check("cacheScope.repository", repository, MAX_REPOSITORY, true);
    check("cacheScope.ref", ref, MAX_REF, true);
    check("cacheScope.defaultRef", defaultRef, MAX_REF, false);
    if (ref.startsWith("isolated/") || (defaultRef != null && defaultRef.startsWith("isolated/"))) {
      throw new IllegalArgumentException("cacheScope: refs starting with isolated/ are the bridge's own");
    }
    return new CacheScope(repository, ref, defaultRef == null || defaultRef.isEmpty() ? null : defaultRef);
  }

  private static void check(String field, String value, int max, boolean required) {
    if (value == null || value.isEmpty()) {
      if (required) {
        throw new IllegalArgumentException(field + " is required");
      }
      return;
    }
    if (value.length() > max) {
      throw new IllegalArgumentException(field + " is longer than " + max + " characters");
    }
    if (!value.equals(value.strip()) || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException(field + " has surrounding blanks or control characters");
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
