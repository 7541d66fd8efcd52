package dev.cde.bridge.web;

import dev.cde.bridge.github.runners.RealRunnersProfile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The bridge as for the GitHub end-to-end tests (real agent, WireMock as GitHub), with a runner that prints over time
 * and waits for the test at two gates, files in {@link #GATE}.
 */
public class DashboardProfile extends RealRunnersProfile {
  static final Path GATE = Path.of("target/dashboard-gate").toAbsolutePath();

  @Override
  public Map<String, String> getConfigOverrides() {
    Path root = Path.of(System.getProperty("cde.root", "..")).toAbsolutePath().normalize();
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.put("cde.github.runners.command",
        "sh," + root.resolve("runner-bridge/src/test/resources/stand-in-printing-runner.sh") + "," + GATE);
    return config;
  }
}
