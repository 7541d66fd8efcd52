package dev.cde.bridge.github.api;

/** A self-hosted runner as GitHub lists it; {@code status} is {@code online} or {@code offline}. */
public record RegisteredRunner(long id, String name, String status, boolean busy) {
  public boolean offline() {
    return "offline".equals(status);
  }
}
