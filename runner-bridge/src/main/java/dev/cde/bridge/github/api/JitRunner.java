package dev.cde.bridge.github.api;

/**
 * A just-in-time runner registration. {@code encodedJitConfig} is a credential (it registers a runner that
 * receives jobs and their secrets): hand it only to the runner's environment, never to a log or command line.
 */
public record JitRunner(long runnerId, String name, String encodedJitConfig) {
  @Override
  public String toString() {
    return "JitRunner[runnerId=" + runnerId + ", name=" + name + ", encodedJitConfig=***]";
  }
}
