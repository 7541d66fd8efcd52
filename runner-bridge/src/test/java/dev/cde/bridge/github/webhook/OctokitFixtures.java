package dev.cde.bridge.github.webhook;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real GitHub material from npm (see src/test/resources/README.md): the payload examples of
 * {@code @octokit/webhooks-examples} and signatures made by {@code @octokit/webhooks-methods} (through node).
 * Missing fixtures fail the test with the fix, never skip it: a skipped signature test proves nothing.
 */
final class OctokitFixtures {
  static final Path NODE_DIR = Path.of("src/test/node");
  private static final Path EXAMPLES = NODE_DIR.resolve("node_modules/@octokit/webhooks-examples/api.github.com/index.json");
  private static final String HOW_TO_FIX = "run `npm ci` in runner-bridge/src/test/node (node 20 or later)";
  static final ObjectMapper JSON = new ObjectMapper();

  private OctokitFixtures() {
  }

  /** Every example of {@code event}, as parsed JSON. */
  static List<ObjectNode> examples(String event) throws IOException {
    if (!Files.isRegularFile(EXAMPLES)) {
      fail("octokit webhook examples not found at " + EXAMPLES.toAbsolutePath() + ": " + HOW_TO_FIX);
    }
    for (JsonNode e : JSON.readTree(EXAMPLES.toFile())) {
      if (event.equals(e.path("name").asText())) {
        List<ObjectNode> out = new ArrayList<>();
        e.path("examples").forEach(x -> out.add((ObjectNode) x));
        return out;
      }
    }
    return fail("no '" + event + "' examples in " + EXAMPLES);
  }

  /** Signatures made by {@code @octokit/webhooks-methods}' {@code sign(secret, payload)}, one node run for all. */
  static List<String> sign(String secret, List<byte[]> payloads) throws Exception {
    if (!Files.isDirectory(NODE_DIR.resolve("node_modules/@octokit/webhooks-methods"))) {
      fail("@octokit/webhooks-methods not installed under " + NODE_DIR.toAbsolutePath() + ": " + HOW_TO_FIX);
    }
    ObjectNode input = JSON.createObjectNode().put("secret", secret);
    payloads.forEach(p -> input.withArray("payloads").add(new String(p, StandardCharsets.UTF_8)));
    Process node;
    try {
      node = new ProcessBuilder("node", "sign.mjs").directory(NODE_DIR.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      return fail("cannot start node (" + e.getMessage() + "): install node 20 or later, then " + HOW_TO_FIX);
    }
    try (var stdin = node.getOutputStream()) {
      stdin.write(JSON.writeValueAsBytes(input));
    }
    String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!node.waitFor(60, TimeUnit.SECONDS) || node.exitValue() != 0) {
      fail("node sign.mjs failed: " + out + "\n" + HOW_TO_FIX);
    }
    List<String> signatures = new ArrayList<>();
    JSON.readTree(out).forEach(s -> signatures.add(s.asText()));
    return signatures;
  }

  static String sign(String secret, byte[] payload) throws Exception {
    return sign(secret, List.of(payload)).get(0);
  }
}
