package dev.cde.bridge.provider;

import java.util.Map;

/** One instance for one session; {@code env} is passed to the agent as its environment. */
public record LaunchRequest(String sessionId, InstanceSpec spec, Map<String, String> env) {
  public LaunchRequest {
    env = Map.copyOf(env);
  }
}
