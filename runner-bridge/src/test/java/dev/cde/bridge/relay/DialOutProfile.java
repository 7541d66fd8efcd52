package dev.cde.bridge.relay;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The local provider with its agents dialing out, as on AWS Lambda: the real agent jar (built by the reactor before
 * this module), no sandbox (the test reads the agent's log).
 */
public class DialOutProfile implements QuarkusTestProfile {
  @Override
  public Map<String, String> getConfigOverrides() {
    Path root = Path.of(System.getProperty("cde.root", "..")).toAbsolutePath().normalize();
    Path agent = root.resolve("function-image/agent/target/cde-agent.jar");
    if (!Files.isRegularFile(agent)) {
      throw new IllegalStateException(agent + " is missing: build the whole reactor (./mvnw -B verify at the root)");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return Map.of(
        // the real tunnel (AgentLinks), not the session tests' stand-in connector
        "test.real-github", "true",
        "cde.local.dial-out", "true",
        "cde.local.agent-command", String.join(",", java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
            agent.toString()),
        "cde.local.sandbox", "none");
  }
}
