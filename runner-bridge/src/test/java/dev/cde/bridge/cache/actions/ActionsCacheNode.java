package dev.cde.bridge.cache.actions;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.bridge.github.NpmFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs GitHub's own cache client ({@code @actions/cache}, pinned in src/test/node) in a workspace, pointed at the
 * bridge the way a job's environment points it: {@code ACTIONS_RESULTS_URL}, {@code ACTIONS_RUNTIME_TOKEN},
 * {@code ACTIONS_CACHE_SERVICE_V2}.
 */
final class ActionsCacheNode {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one run gave: a result per step, and what the client printed (its warnings among it). */
  record Run(List<JsonNode> results, String output) {
  }

  private ActionsCacheNode() {
  }

  static Run run(String bridgeUrl, String token, Path workspace, List<Map<String, Object>> steps) throws Exception {
    return run(Map.of("ACTIONS_RESULTS_URL", bridgeUrl.endsWith("/") ? bridgeUrl : bridgeUrl + "/",
        "ACTIONS_RUNTIME_TOKEN", token, "ACTIONS_CACHE_SERVICE_V2", "true"), workspace, steps);
  }

  /**
   * The older protocol, as a patched runner leaves the job: {@code ACTIONS_CACHE_URL} is the bridge's URL with the
   * session's cache token in its path, {@code ACTIONS_CACHE_SERVICE_V2} is unset, and {@code ACTIONS_RUNTIME_TOKEN}
   * is GitHub's (which the bridge ignores).
   */
  static Run runV1(String cacheUrl, Path workspace, List<Map<String, Object>> steps) throws Exception {
    return run(Map.of("ACTIONS_CACHE_URL", cacheUrl, "ACTIONS_RUNTIME_TOKEN", "ghs_githubs-own-token"), workspace,
        steps);
  }

  private static Run run(Map<String, String> actionsEnv, Path workspace, List<Map<String, Object>> steps)
      throws Exception {
    NpmFixtures.require("@actions/cache/package.json", "the @actions/cache client");
    Path script = NpmFixtures.NODE_DIR.resolve("actions-cache.mjs").toAbsolutePath();
    Path results = Files.createTempFile("actions-cache", ".json");
    Path runnerTemp = Files.createDirectories(workspace.resolveSibling(workspace.getFileName() + "-runner-temp"));
    ProcessBuilder pb = new ProcessBuilder("node", script.toString(), results.toString())
        .directory(workspace.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ACTIONS_") || k.startsWith("GITHUB_") || k.startsWith("RUNNER_"));
    env.putAll(actionsEnv);
    env.put("GITHUB_WORKSPACE", workspace.toString());
    env.put("RUNNER_TEMP", runnerTemp.toString());
    Process p = pb.start();
    p.getOutputStream().write(JSON.writeValueAsBytes(Map.of("steps", steps)));
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("node actions-cache.mjs did not finish");
    }
    String output = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      fail("node actions-cache.mjs exited " + p.exitValue() + ": " + output);
    }
    try {
      List<JsonNode> list = List.of(JSON.readValue(results.toFile(), JsonNode[].class));
      return new Run(list, output);
    } catch (IOException e) {
      return fail("no results from node actions-cache.mjs: " + output);
    } finally {
      Files.deleteIfExists(results);
    }
  }
}
