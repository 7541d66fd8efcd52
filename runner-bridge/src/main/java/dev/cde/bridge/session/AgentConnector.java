package dev.cde.bridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.provider.Instance;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The seam to the tunnel: the broker asks it to open the bridge's tunnel to a freshly launched
 * instance and to close it when the session ends. Implemented in {@code dev.cde.bridge.relay}.
 */
public interface AgentConnector {
  /** Opens the tunnel; completes with what the agent reported about itself (cpus, memory, gpus). */
  default CompletionStage<JsonNode> connect(String sessionId, Instance instance) {
    return connect(sessionId, instance, Map.of());
  }

  /**
   * Opens the tunnel, sending {@code sessionEnv} (the agent's variables) with each connection when not empty: for
   * providers whose instances share one environment ({@code InstanceProvider#sharesEnvironment}).
   */
  CompletionStage<JsonNode> connect(String sessionId, Instance instance, Map<String, String> sessionEnv);

  void disconnect(String sessionId);

  /**
   * What an agent that dials out needs to reach the bridge ({@code CDE_DIAL_OUT_URL}, {@code CDE_AGENT_DIAL_TOKEN}),
   * for a session that may last {@code lifetime}.
   */
  default Map<String, String> dialOutEnv(String sessionId, Duration lifetime) {
    return Map.of();
  }

  boolean isConnected(String sessionId);

  /**
   * Why the session's tunnel was lost for good (dropped and not resumed within the agent's grace period),
   * or empty. A session ending after that has failed, whoever ends it.
   */
  default java.util.Optional<String> lostReason(String sessionId) {
    return java.util.Optional.empty();
  }
}
