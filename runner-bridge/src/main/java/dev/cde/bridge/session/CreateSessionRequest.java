package dev.cde.bridge.session;

/**
 * Body of {@code POST /api/v1/sessions}; every field is optional. {@code memory}: {@code 512m},
 * {@code 4g} or MiB; {@code gpu}: {@code t4} or {@code t4:2}; {@code maxDuration}: {@code 90s},
 * {@code 30m}, {@code 2h} or seconds.
 */
public record CreateSessionRequest(String template, Double cpu, String memory, String gpu, String maxDuration) {
  public static final CreateSessionRequest DEFAULTS = new CreateSessionRequest(null, null, null, null, null);
}
