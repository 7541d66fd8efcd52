package dev.cde.bridge.session;

/**
 * Body of {@code POST /api/v1/sessions}; every field is optional. {@code memory}: {@code 512m},
 * {@code 4g} or MiB; {@code gpu}: {@code t4} or {@code t4:2}; {@code maxDuration}: {@code 90s},
 * {@code 30m}, {@code 2h} or seconds; {@code name}: the client's label to find the session by
 * ({@code GET /api/v1/sessions?name=...}), not unique; {@code cacheScope}: where the session's cache calls
 * read and write (docs/caching.md), fixed at creation because the API token is the admin's authority and
 * nothing inside the instance may change it later; {@code job}: the job the session runs, for a client that is not
 * GitHub (its runs, with the cache scope's repository, make one job's cost history and size advice).
 */
public record CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration,
    String name, CacheScopeRequest cacheScope, JobRequest job) {
  public static final CreateSessionRequest DEFAULTS = new CreateSessionRequest(null, null, null, null, null, null,
      null, null);

  /** Without a name: what most callers ask for. */
  public CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration) {
    this(template, cpu, memory, gpu, maxDuration, null, null, null);
  }

  public CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration,
      String name) {
    this(template, cpu, memory, gpu, maxDuration, name, null, null);
  }

  public CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration,
      String name, CacheScopeRequest cacheScope) {
    this(template, cpu, memory, gpu, maxDuration, name, cacheScope, null);
  }

  /** {@code {"repository": "group/project", "ref": "refs/heads/feature", "defaultRef": "refs/heads/main"}}. */
  public record CacheScopeRequest(String repository, String ref, String defaultRef) {
  }

  /** {@code {"workflow": ".gitlab-ci.yml", "name": "test"}}: name required, workflow optional, 200 characters each. */
  public record JobRequest(String workflow, String name) {
  }
}
