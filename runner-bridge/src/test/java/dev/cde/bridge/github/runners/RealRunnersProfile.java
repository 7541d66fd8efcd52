package dev.cde.bridge.github.runners;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The bridge as an admin would run it for GitHub, except that GitHub is WireMock and the runner a stand-in
 * script: the real local provider, the real agent (built by the reactor before this module), real tunnels.
 */
public class RealRunnersProfile implements QuarkusTestProfile {
  static final String TOKEN = "ghs_testInstallationToken0123456789";

  @Override
  public Map<String, String> getConfigOverrides() {
    Path root = Path.of(System.getProperty("cde.root", "..")).toAbsolutePath().normalize();
    Path agent = root.resolve("function-image/agent/target/cde-agent.jar");
    if (!Files.isRegularFile(agent)) {
      throw new IllegalStateException(agent + " is missing: build the whole reactor (./mvnw -B verify at the root)");
    }
    Path runner = root.resolve("runner-bridge/src/test/resources/stand-in-runner.sh");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return Map.of(
        "test.real-github", "true",
        "cde.local.agent-command", String.join(",", java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
            agent.toString()),
        "cde.local.sandbox", "none",
        "cde.github.token", TOKEN,
        "cde.github.runners.command", "sh," + runner,
        "cde.github.runners.completed-grace", "1s",
        "cde.github.runners.reconcile-every", "off",
        "cde.session.reconcile-every", "1s");
  }

  @Override
  public List<TestResourceEntry> testResources() {
    return List.of(new TestResourceEntry(FakeGithub.class));
  }

  /** WireMock as GitHub; its URL becomes {@code cde.github.api-url}. */
  public static class FakeGithub implements QuarkusTestResourceLifecycleManager {
    static WireMockServer server;

    /** The running fake, for tests of other packages that stub their own repositories on it. */
    public static WireMockServer server() {
      return server;
    }

    @Override
    public Map<String, String> start() {
      server = new WireMockServer(options().dynamicPort());
      server.start();
      return Map.of("cde.github.api-url", server.baseUrl());
    }

    @Override
    public void stop() {
      if (server != null) {
        server.stop();
      }
    }
  }
}
