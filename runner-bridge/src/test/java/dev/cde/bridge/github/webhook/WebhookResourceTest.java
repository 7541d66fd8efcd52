package dev.cde.bridge.github.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.github.labels.JobSpec;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The webhook end to end, with octokit's real payloads signed by octokit's signer. The H2 database outlives a
 * test run, so every delivery id and job id here is fresh.
 */
@QuarkusTest
class WebhookResourceTest {
  static final String SECRET = "test-webhook-secret-5f2c"; // %test.cde.github.webhook.secret

  @Inject
  RecordingJobListener listener;

  static ValidatableResponse post(String event, String delivery, byte[] body, String signature) {
    var req = given().contentType("application/json").header("X-GitHub-Event", event).body(body);
    if (delivery != null) {
      req = req.header("X-GitHub-Delivery", delivery);
    }
    if (signature != null) {
      req = req.header("X-Hub-Signature-256", signature);
    }
    return req.post("/github/webhook").then();
  }

  static ValidatableResponse post(String event, byte[] body) {
    return post(event, UUID.randomUUID().toString(), body, WebhookSignature.sign(SECRET, body));
  }

  static long freshJobId() {
    return ThreadLocalRandom.current().nextLong(1L << 40, 1L << 52);
  }

  /** An octokit example turned into a cde job: fresh id, the given labels. */
  static byte[] cdeJob(ObjectNode example, long jobId, String... labels) throws Exception {
    ObjectNode copy = example.deepCopy();
    ObjectNode job = (ObjectNode) copy.get("workflow_job");
    job.put("id", jobId);
    var array = job.putArray("labels");
    for (String l : labels) {
      array.add(l);
    }
    return OctokitFixtures.JSON.writeValueAsBytes(copy);
  }

  @Test
  void everyOctokitWorkflowJobExampleIsAcceptedWithOctokitsSignatureAndOursIsTheSame() throws Exception {
    List<ObjectNode> examples = OctokitFixtures.examples("workflow_job");
    assertThat(examples).hasSizeGreaterThanOrEqualTo(8);
    List<byte[]> bodies = new ArrayList<>();
    List<Long> jobIds = new ArrayList<>();
    for (ObjectNode example : examples) {
      // As published: GitHub-hosted or other self-hosted labels, so verified and then ignored.
      bodies.add(OctokitFixtures.JSON.writeValueAsBytes(example));
      long id = freshJobId();
      jobIds.add(id);
      bodies.add(cdeJob(example, id, "cde-serverless", "cpu=2", "mem=4g"));
    }
    List<String> signatures = OctokitFixtures.sign(SECRET, bodies);
    for (int i = 0; i < bodies.size(); i++) {
      byte[] body = bodies.get(i);
      assertThat(WebhookSignature.sign(SECRET, body)).as("our signature of body %d", i).isEqualTo(signatures.get(i));
      ValidatableResponse r = post("workflow_job", UUID.randomUUID().toString(), body, signatures.get(i));
      if (i % 2 == 0) {
        r.statusCode(200).body("ignored", equalTo("labels do not ask for cde"));
      } else {
        r.statusCode(202).body("accepted", equalTo(true));
      }
    }
    for (int i = 0; i < examples.size(); i++) {
      long id = jobIds.get(i);
      ObjectNode example = examples.get(i);
      await().atMost(Duration.ofSeconds(10)).until(() -> listener.forJob(id).size() == 1);
      RecordingJobListener.Call call = listener.forJob(id).get(0);
      WorkflowJobEvent e = call.event();
      assertThat(e.action()).isEqualTo(example.path("action").asText());
      assertThat(e.runId()).isEqualTo(example.path("workflow_job").path("run_id").asLong());
      assertThat(e.jobName()).isEqualTo(example.path("workflow_job").path("name").asText());
      assertThat(e.repository()).isEqualTo(example.path("repository").path("full_name").asText());
      assertThat(e.privateRepo()).isEqualTo(example.path("repository").path("private").asBoolean());
      assertThat(e.labels()).containsExactly("cde-serverless", "cpu=2", "mem=4g");
      assertThat(call.spec()).isEqualTo(new JobSpec(2, 4096, null, 0, "default", Duration.ofMinutes(60), null));
      assertThat(call.labelError()).isNull();
      assertThat(call.thread()).as("listener runs on a worker, not the event loop").doesNotContain("eventloop");
    }
    // runner_name is how the bridge learns which runner took a job; in_progress examples carry it.
    assertThat(listener.all()).anySatisfy(c -> assertThat(c.event().runnerName()).isNotBlank());
  }

  @Test
  void rejectsWrongAbsentAndMalformedSignaturesAndChangedBodies() throws Exception {
    ObjectNode example = OctokitFixtures.examples("workflow_job").get(5);
    long id = freshJobId();
    byte[] body = cdeJob(example, id, "cde-serverless");
    String good = OctokitFixtures.sign(SECRET, body);
    String wrong = OctokitFixtures.sign("not the secret", body);
    byte[] changed = new String(body, StandardCharsets.UTF_8).replace("\"cde-serverless\"", "\"cde-serverless \"")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(changed).isNotEqualTo(body);
    String delivery = UUID.randomUUID().toString();

    post("workflow_job", delivery, body, wrong).statusCode(401).contentType("application/problem+json")
        .body("detail", containsString("does not match")).body("detail", not(containsString(SECRET)))
        .body("detail", not(containsString(good.substring(7))));
    post("workflow_job", delivery, body, null).statusCode(401).contentType("application/problem+json")
        .body("detail", containsString("missing X-Hub-Signature-256"));
    post("workflow_job", delivery, body, "sha1=" + good.substring(7, 47)).statusCode(401)
        .body("detail", containsString("malformed"));
    post("workflow_job", delivery, changed, good).statusCode(401).body("detail", containsString("does not match"));
    // None of those was recorded: the same delivery, properly signed, is the first one.
    post("workflow_job", delivery, body, good).statusCode(202).body("accepted", equalTo(true));
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.forJob(id).size() == 1);
  }

  @Test
  void pingIsAnsweredAndOtherEventsIgnored() throws Exception {
    ObjectNode ping = OctokitFixtures.examples("ping").get(0);
    byte[] body = OctokitFixtures.JSON.writeValueAsBytes(ping);
    post("ping", body).statusCode(200).body("pong", equalTo(true));
    byte[] push = OctokitFixtures.JSON.writeValueAsBytes(OctokitFixtures.examples("push").get(0));
    post("push", push).statusCode(200).body("ignored", equalTo("event push"));
    // A ping with a bad signature is still refused: the check comes before anything else.
    post("ping", UUID.randomUUID().toString(), body, "sha256=" + "a".repeat(64)).statusCode(401);
  }

  @Test
  void missingDeliveryHeaderOrNonJsonBodyIsABadRequest() {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    post("ping", null, body, WebhookSignature.sign(SECRET, body)).statusCode(400)
        .contentType("application/problem+json").body("detail", containsString("X-GitHub-Delivery"));
    byte[] form = "payload=%7B%7D".getBytes(StandardCharsets.UTF_8);
    post("workflow_job", form).statusCode(400).body("detail", containsString("application/json"));
  }

  @Test
  void duplicatesByDeliveryIdAndByJobAttemptActionAreDropped() throws Exception {
    ObjectNode queued = OctokitFixtures.examples("workflow_job").stream()
        .filter(e -> e.path("action").asText().equals("queued")).findFirst().orElseThrow();
    long id = freshJobId();
    byte[] body = cdeJob(queued, id, "cde-serverless");
    String sig = WebhookSignature.sign(SECRET, body);
    String delivery = UUID.randomUUID().toString();
    post("workflow_job", delivery, body, sig).statusCode(202);
    post("workflow_job", delivery, body, sig).statusCode(200).body("duplicate", equalTo(true));
    // Same job event under another delivery id (e.g. a repository and an organization webhook).
    post("workflow_job", UUID.randomUUID().toString(), body, sig).statusCode(200).body("duplicate", equalTo(true));
    // The next attempt of the same job is new work.
    ObjectNode retry = OctokitFixtures.JSON.readValue(body, ObjectNode.class);
    ((ObjectNode) retry.get("workflow_job")).put("run_attempt", 2);
    post("workflow_job", OctokitFixtures.JSON.writeValueAsBytes(retry)).statusCode(202);
    // So is the next action of the same attempt.
    ObjectNode started = OctokitFixtures.JSON.readValue(body, ObjectNode.class);
    started.put("action", "in_progress");
    post("workflow_job", OctokitFixtures.JSON.writeValueAsBytes(started)).statusCode(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.forJob(id).size() == 3);
    Thread.sleep(300);
    assertThat(listener.forJob(id)).extracting(c -> c.event().action() + "#" + c.event().runAttempt())
        .containsExactlyInAnyOrder("queued#1", "queued#2", "in_progress#1");
  }

  @Test
  void jobsNotForCdeAndUnhandledActionsAreIgnoredAndNotStored() throws Exception {
    ObjectNode queued = OctokitFixtures.examples("workflow_job").stream()
        .filter(e -> e.path("action").asText().equals("queued")).findFirst().orElseThrow();
    long id = freshJobId();
    byte[] foreign = cdeJob(queued, id, "self-hosted", "linux", "gpu");
    String delivery = UUID.randomUUID().toString();
    post("workflow_job", delivery, foreign, WebhookSignature.sign(SECRET, foreign)).statusCode(200)
        .body("ignored", equalTo("labels do not ask for cde"));
    ObjectNode other = OctokitFixtures.JSON.readValue(cdeJob(queued, id, "cde-serverless"), ObjectNode.class);
    other.put("action", "something_new");
    post("workflow_job", OctokitFixtures.JSON.writeValueAsBytes(other)).statusCode(200)
        .body("ignored", equalTo("action something_new"));
    // Not stored: the same delivery id, now for a cde job, is accepted.
    byte[] mine = cdeJob(queued, id, "cde-serverless");
    post("workflow_job", delivery, mine, WebhookSignature.sign(SECRET, mine)).statusCode(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.forJob(id).size() == 1);
  }

  @Test
  void badLabelsAreDispatchedWithTheErrorSoTheJobCanFailLoudly() throws Exception {
    ObjectNode queued = OctokitFixtures.examples("workflow_job").get(5);
    long id = freshJobId();
    post("workflow_job", cdeJob(queued, id, "cde-serverless", "gpu=v100")).statusCode(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.forJob(id).size() == 1);
    RecordingJobListener.Call call = listener.forJob(id).get(0);
    assertThat(call.spec()).isNull();
    assertThat(call.labelError()).contains("label 'gpu=v100' is not valid: gpu is one of t4");
  }

  @Test
  void theAnswerDoesNotWaitForTheListener() throws Exception {
    ObjectNode queued = OctokitFixtures.examples("workflow_job").get(5);
    long id = freshJobId();
    CountDownLatch gate = new CountDownLatch(1);
    listener.gate(gate);
    try {
      long start = System.nanoTime();
      post("workflow_job", cdeJob(queued, id, "cde-serverless/cpu=1/timeout=10m")).statusCode(202);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(listener.forJob(id)).isEmpty();
    } finally {
      listener.gate(null);
      gate.countDown();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.forJob(id).size() == 1);
    assertThat(listener.forJob(id).get(0).spec().timeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void logsNameTheDeliveryButNeverTheSecretOrTheBody() throws Exception {
    long id = freshJobId();
    String delivery = UUID.randomUUID().toString();
    byte[] body = cdeJob(OctokitFixtures.examples("workflow_job").get(5), id, "cde-serverless");
    post("workflow_job", delivery, body, WebhookSignature.sign(SECRET, body)).statusCode(202);
    Path log = Path.of("target/cde-test.log");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains(delivery));
    String text = Files.readString(log);
    assertThat(text).contains("github delivery " + delivery + ": workflow_job job=" + id + " attempt=1 action=queued");
    assertThat(text).doesNotContain(SECRET).doesNotContain("\"workflow_job\"").doesNotContain("\"check_run_url\"");
  }
}
