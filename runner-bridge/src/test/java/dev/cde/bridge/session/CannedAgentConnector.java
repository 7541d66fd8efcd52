package dev.cde.bridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.bridge.provider.Instance;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for the tunnel in tests: "connecting" checks that the instance's port really accepts a
 * TCP connection, then answers what an agent would report about itself. Tests with the real agent set
 * {@code test.real-github=true}, which leaves this out of the build.
 */
@IfBuildProperty(name = "test.real-github", stringValue = "false", enableIfMissing = true)
@Alternative
@Priority(1)
@ApplicationScoped
public class CannedAgentConnector implements AgentConnector {
  static final JsonNode AGENT_INFO;

  static {
    try {
      AGENT_INFO = new ObjectMapper().readTree("{\"cpus\":2,\"memory\":2147483648,\"gpus\":[]}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  final Set<String> connected = ConcurrentHashMap.newKeySet();

  @Override
  public CompletionStage<JsonNode> connect(String sessionId, Instance instance, java.util.Map<String, String> sessionEnv) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(instance.tunnelEndpoint().getHost(), instance.tunnelEndpoint().getPort()), 2000);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new IOException("agent at " + instance.tunnelEndpoint() + " unreachable", e));
    }
    connected.add(sessionId);
    return CompletableFuture.completedFuture(AGENT_INFO);
  }

  @Override
  public void disconnect(String sessionId) {
    connected.remove(sessionId);
  }

  @Override
  public boolean isConnected(String sessionId) {
    return connected.contains(sessionId);
  }
}
