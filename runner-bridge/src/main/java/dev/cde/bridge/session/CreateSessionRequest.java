package dev.cde.bridge.session;

/**
 * Body of {@code POST /api/v1/sessions}; every field is optional. {@code memory}: {@code 512m},
 * {@code 4g} or MiB; {@code gpu}: {@code t4} or {@code t4:2}; {@code maxDuration}: {@code 90s},
 * {@code 30m}, {@code 2h} or seconds; {@code name}: the client's label to find the session by
 * ({@code GET /api/v1/sessions?name=...}), not unique; {@code cacheScope}: where the session's cache calls
 * read and write (docs/caching.md), fixed at creation because the API token is the admin's authority and
 * nothing inside the instance may change it later.
 */
public record CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration,
    String name, CacheScopeRequest cacheScope) {
  public static final CreateSessionRequest DEFAULTS = new CreateSessionRequest(null, null, null, null, null, null,
      null);

  /** Without a name: what most callers ask for. */
  public CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration) {
    this(template, cpu, memory, gpu, maxDuration, null, null);
  }

  public CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration,
      String name) {
    this(template, cpu, memory, gpu, maxDuration, name, null);
  }

  /** {@code {"repository": "group/project", "ref": "refs/heads/feature", "defaultRef": "refs/heads/main"}}. */
  public record CacheScopeRequest(String repository, String ref, String defaultRef) {
  }
}
