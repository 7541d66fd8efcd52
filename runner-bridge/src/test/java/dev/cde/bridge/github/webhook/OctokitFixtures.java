package dev.cde.bridge.github.webhook;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.github.NpmFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real GitHub material from npm (see src/test/resources/README.md): the payload examples of
 * {@code @octokit/webhooks-examples} and signatures made by {@code @octokit/webhooks-methods} (through node).
 * Missing fixtures skip the test on a developer's machine and fail it in CI, with how to install them
 * ({@link NpmFixtures}).
 */
final class OctokitFixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  private OctokitFixtures() {
  }

  /** Every example of {@code event}, as parsed JSON. */
  static List<ObjectNode> examples(String event) throws IOException {
    Path examples = NpmFixtures.require("@octokit/webhooks-examples/api.github.com/index.json",
        "octokit webhook examples");
    for (JsonNode e : JSON.readTree(examples.toFile())) {
      if (event.equals(e.path("name").asText())) {
        List<ObjectNode> out = new ArrayList<>();
        e.path("examples").forEach(x -> out.add((ObjectNode) x));
        return out;
      }
    }
    return fail("no '" + event + "' examples in " + examples);
  }

  /** Signatures made by {@code @octokit/webhooks-methods}' {@code sign(secret, payload)}, one node run for all. */
  static List<String> sign(String secret, List<byte[]> payloads) throws Exception {
    NpmFixtures.require("@octokit/webhooks-methods", "@octokit/webhooks-methods");
    ObjectNode input = JSON.createObjectNode().put("secret", secret);
    payloads.forEach(p -> input.withArray("payloads").add(new String(p, StandardCharsets.UTF_8)));
    Process node;
    try {
      node = new ProcessBuilder("node", "sign.mjs").directory(NpmFixtures.NODE_DIR.toFile()).redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      return NpmFixtures.missing("cannot start node (" + e.getMessage() + ")");
    }
    try (var stdin = node.getOutputStream()) {
      stdin.write(JSON.writeValueAsBytes(input));
    }
    String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!node.waitFor(60, TimeUnit.SECONDS) || node.exitValue() != 0) {
      fail("node sign.mjs failed: " + out);
    }
    List<String> signatures = new ArrayList<>();
    JSON.readTree(out).forEach(s -> signatures.add(s.asText()));
    return signatures;
  }

  static String sign(String secret, byte[] payload) throws Exception {
    return sign(secret, List.of(payload)).get(0);
  }
}
