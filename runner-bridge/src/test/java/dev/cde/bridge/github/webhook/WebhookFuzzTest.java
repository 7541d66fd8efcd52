package dev.cde.bridge.github.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.github.NpmFixtures;
import dev.cde.bridge.github.labels.JobSpec;
import dev.cde.bridge.github.labels.LabelSpecParser;
import dev.cde.bridge.problem.ApiException;
import dev.cde.bridge.store.TestDatabase;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of what reaches the webhook from the internet: any event name, delivery id, signature
 * header and body gives 200 (ignored, duplicate, pong), 202 (accepted) or a 400/401 problem — never an unchecked
 * exception, which the bridge would answer with a 500. The signature is checked before anything else: a body
 * that is not signed with the secret is 401 whatever else is wrong with it, and a correctly signed one never is.
 * A 202 hands exactly one job that asks for cde to the dispatcher, with either a spec or a label error.
 *
 * <p>The resource is the bridge's own class over a real (H2) delivery store; only the dispatcher is replaced by a
 * recorder. Seeds: {@code @octokit/webhooks-examples}' workflow_job, ping and push deliveries as published and
 * turned into cde jobs (when the npm fixtures are installed), and a few of ours. {@code .ci/fuzz} fuzzes it for
 * real (docs/fuzzing.md).
 */
class WebhookFuzzTest {
  static final String SECRET = "fuzz-webhook-secret";
  static final Logger QUIET = Logger.getLogger("dev.cde.bridge.github.webhook");
  static final DeliveryStore DELIVERIES = new DeliveryStore(new TestDatabase.H2().migrated());
  static final List<Object[]> DISPATCHED = new ArrayList<>();
  static final WebhookResource RESOURCE = new WebhookResource(new WebhookSecret(new WebhookConfig() {
    public Optional<String> secret() {
      return Optional.of(SECRET);
    }

    public Optional<String> secretFile() {
      return Optional.empty();
    }
  }), DELIVERIES, new WorkflowJobDispatcher(null, null) {
    @Override
    public void dispatch(WorkflowJobEvent event, JobSpec spec, String labelError) {
      DISPATCHED.add(new Object[] {event, spec, labelError});
    }
  });
  static int calls;

  static {
    QUIET.setLevel(Level.WARNING); // one INFO line per delivery would be most of a fuzzing run's time
  }

  @MethodSource("deliveries")
  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({"workflow_job", "ping", "queued", "in_progress", "completed", "waiting", "\"workflow_job\"",
      "\"labels\"", "\"id\"", "\"action\"", "\"run_attempt\"", "\"repository\"", "\"full_name\"", "cde-serverless",
      "sha256="})
  void anyDeliveryIsAnsweredWith200Or202OrA400Or401Problem(@NotNull String event, @NotNull String delivery,
      byte @NotNull [] body, boolean signIt, String signature) {
    if (++calls % 10_000 == 0) {
      DELIVERIES.pruneOlderThan(Instant.now().plusSeconds(1)); // keeps a long run's memory flat
    }
    String header = signIt ? WebhookSignature.sign(SECRET, body) : signature;
    String expected = WebhookSignature.sign(SECRET, body);
    String given = header == null ? "" : header.strip(); // HTTP trims a header's value; so does the resource
    boolean authentic = given.length() == expected.length() && given.startsWith("sha256=")
        && given.substring(7).equalsIgnoreCase(expected.substring(7));
    DISPATCHED.clear();
    int status;
    try {
      Response r = RESOURCE.receive(body, event, delivery, header);
      status = r.getStatus();
    } catch (ApiException e) {
      status = e.problem().status();
      assertThat(e.getMessage()).isNotBlank().doesNotContain(SECRET);
    }
    assertThat(status).isIn(200, 202, 400, 401);
    assertThat(status == 401).as("401 exactly when the signature is not the body's").isEqualTo(!authentic);
    if (status == 202) {
      assertThat(DISPATCHED).hasSize(1);
      WorkflowJobEvent job = (WorkflowJobEvent) DISPATCHED.get(0)[0];
      assertThat(LabelSpecParser.wantsCde(job.labels())).isTrue();
      assertThat(DISPATCHED.get(0)[1] == null).as("no spec exactly when the labels have an error")
          .isEqualTo(DISPATCHED.get(0)[2] != null);
    } else {
      assertThat(DISPATCHED).isEmpty();
    }
  }

  /** octokit's deliveries as published and as cde jobs, signed; a few of ours, signed and not. */
  static Stream<Arguments> deliveries() throws IOException {
    List<Arguments> seeds = new ArrayList<>();
    Path examples = NpmFixtures.NODE_DIR.resolve("node_modules/@octokit/webhooks-examples/api.github.com/index.json");
    if (Files.isRegularFile(examples)) {
      for (JsonNode e : OctokitFixtures.JSON.readTree(examples.toFile())) {
        String event = e.path("name").asText();
        if (!List.of("workflow_job", "ping", "push").contains(event)) {
          continue;
        }
        for (JsonNode example : e.path("examples")) {
          seeds.add(seed(event, OctokitFixtures.JSON.writeValueAsBytes(example), true));
          if (event.equals("workflow_job")) {
            ObjectNode cde = example.deepCopy();
            ((ObjectNode) cde.get("workflow_job")).putArray("labels").add("cde-serverless").add("cpu=2").add("gpu=t4");
            seeds.add(seed(event, OctokitFixtures.JSON.writeValueAsBytes(cde), true));
          }
        }
      }
    }
    byte[] minimal = ("{\"action\":\"queued\",\"workflow_job\":{\"id\":42,\"run_id\":7,\"labels\":[\"cde-serverless\","
        + "\"mem=4g\"]},\"repository\":{\"full_name\":\"acme/app\",\"default_branch\":\"main\"}}")
        .getBytes(StandardCharsets.UTF_8);
    seeds.add(seed("workflow_job", minimal, true));
    seeds.add(seed("workflow_job", minimal, false));
    seeds.add(seed("workflow_job", ("{\"action\":\"queued\",\"workflow_job\":{\"id\":43,\"labels\":[\"cde-serverless\","
        + "\"cpu=999\"]}}").getBytes(StandardCharsets.UTF_8), true));
    seeds.add(seed("ping", "{\"zen\":\"Keep it logically awesome.\"}".getBytes(StandardCharsets.UTF_8), true));
    seeds.add(seed("workflow_job", "[1,2]".getBytes(StandardCharsets.UTF_8), true));
    return seeds.stream();
  }

  private static Arguments seed(String event, byte[] body, boolean signIt) {
    return Arguments.of(event, UUID.nameUUIDFromBytes(body).toString(), body, signIt, signIt ? null : "sha256=00");
  }
}
