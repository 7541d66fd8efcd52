package dev.cde.bridge.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.costs.CostHistory;
import dev.cde.bridge.github.NpmFixtures;
import dev.cde.bridge.github.runners.GithubJobStore;
import dev.cde.bridge.github.runners.GithubRunner;
import dev.cde.bridge.github.runners.RealRunnersProfile;
import dev.cde.bridge.github.webhook.WebhookSignature;
import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.SessionStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.io.File;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in real headless Chromium (Debian's, driven by playwright-core through src/test/node/dashboard.mjs),
 * on the real bridge with the real agent: a GitHub job started through the bridge's webhook API appears, its live log
 * shows lines printed after the page opened (with their ANSI colours), a terminal opened the way {@code cde shell}
 * opens one is watched read-only, and the job's cost reaches the charts once it ended. Screenshots go to
 * target/dashboard-screenshots/. Nothing secret reaches the page.
 */
@QuarkusTest
@TestProfile(DashboardProfile.class)
class DashboardBrowserIT {
  static final String WEBHOOK_SECRET = "test-webhook-secret-5f2c"; // %test.cde.github.webhook.secret
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path SCREENSHOTS = Path.of("target/dashboard-screenshots").toAbsolutePath();

  @Inject
  BridgeHome home;
  @Inject
  GithubJobStore store;
  @Inject
  SessionStore sessions;
  @Inject
  ArchiveIndex archives;
  @Inject
  Vertx vertx;

  @TestHTTPResource("/")
  URI root;

  @Test
  void aJobItsLiveLogATerminalAndItsCostInTheBrowser() throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("CDE_CHROMIUM", "/usr/bin/chromium"));
    NpmFixtures.require("playwright-core/package.json", "playwright-core (drives Chromium)");
    if (!Files.isExecutable(chromium)) {
      NpmFixtures.missing("Chromium not found at " + chromium + " (Debian's package chromium; .ci/run installs it)");
    }
    String apiToken = Files.readString(home.apiToken()).strip();
    Files.createDirectories(SCREENSHOTS);
    for (String stale : List.of("dashboard.png", "dashboard-terminal.png", "dashboard-failed.png")) {
      Files.deleteIfExists(SCREENSHOTS.resolve(stale));
    }
    Files.createDirectories(DashboardProfile.GATE);
    Files.deleteIfExists(DashboardProfile.GATE.resolve("release"));
    Files.deleteIfExists(DashboardProfile.GATE.resolve("finish"));

    // A GitHub job through the webhook, as GitHub sends it; WireMock answers for GitHub.
    String repo = "octo/dash-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    long jobId = ThreadLocalRandom.current().nextLong(1L << 30, 1L << 40);
    String jitConfig = Base64.getEncoder().encodeToString(("jit-secret-" + UUID.randomUUID())
        .getBytes(StandardCharsets.UTF_8));
    stubGithub(repo, jitConfig);
    // Another job's history: three runs on 4 vCPUs, then three as long on 8. The by-job table must say to move it.
    String sized = "octo/sized-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    CostHistory history = new CostHistory(sessions, store, archives);
    Instant now = Instant.now();
    for (int i = 0; i < 6; i++) {
      boolean big = i >= 3;
      history.github(sized, "CI", "train", List.of("cde-serverless", big ? "cpu=8" : "cpu=4"), history.ended(
          now.minusSeconds(3600 - 60L * i), big ? 8 : 4, big ? 32768 : 16384, null, 0, 100, big ? "0.016" : "0.008",
          big ? "0.0096" : "0.0048", "0"));
    }
    deliver(workflowJob("queued", repo, jobId, null));
    GithubRunner runner = await().atMost(Duration.ofSeconds(60)).until(
        () -> store.liveRunners(repo).stream().findFirst().orElse(null), r -> r != null && "idle".equals(r.state()));
    deliver(workflowJob("in_progress", repo, jobId, runner.name()));

    // A session with a terminal open, typing the same line again and again until the page has seen it.
    String terminalSession = given().header("Authorization", "Bearer " + apiToken).contentType(ContentType.JSON)
        .body("{}").post("/api/v1/sessions?wait=true").then().statusCode(201).extract().path("id");
    Path out = Files.createTempFile("dashboard", ".json");
    AtomicBoolean typing = new AtomicBoolean(true);
    try (PtyOwner owner = new PtyOwner(vertx, root, apiToken, terminalSession)) {
      Thread typist = new Thread(() -> {
        while (typing.get()) {
          owner.type("echo term-view-$((6*7))\r");
          sleep(700);
        }
      }, "dashboard-test-typist");
      typist.start();

      Path nodeLog = SCREENSHOTS.resolve("dashboard.mjs.log");
      ProcessBuilder pb = new ProcessBuilder("node", "dashboard.mjs").directory(NpmFixtures.NODE_DIR.toFile())
          .redirectErrorStream(true).redirectOutput(nodeLog.toFile());
      pb.environment().putAll(java.util.Map.of("CDE_URL", root.toString(), "CDE_API_TOKEN", apiToken,
          "CDE_JOB_SESSION", runner.sessionId(), "CDE_TERMINAL_SESSION", terminalSession, "CDE_REPOSITORY", repo,
          "CDE_GATE", DashboardProfile.GATE.toString(), "CDE_SCREENSHOTS", SCREENSHOTS.toString(),
          "CDE_OUT", out.toString(), "CDE_CHROMIUM", chromium.toString()));
      Process node = pb.start();
      boolean finished = node.waitFor(5, TimeUnit.MINUTES);
      if (!finished) {
        node.destroyForcibly();
      }
      typing.set(false);
      typist.join();
      String nodeOutput = Files.readString(nodeLog);
      System.out.println(nodeOutput);
      assertThat(finished).as("dashboard.mjs finished").isTrue();
      assertThat(node.exitValue()).as("dashboard.mjs exit code; it said:\n" + nodeOutput + "\n(screenshots in "
          + SCREENSHOTS + ")").isZero();
      // Keys typed into the read-only view never reached the terminal.
      assertThat(owner.output()).contains("term-view-42").doesNotContain("typed-by-viewer");
    } finally {
      typing.set(false);
      Files.createDirectories(DashboardProfile.GATE);
      Files.writeString(DashboardProfile.GATE.resolve("finish"), ""); // the runner must not outlive a failure
      given().header("Authorization", "Bearer " + apiToken).delete("/api/v1/sessions/" + terminalSession);
    }

    JsonNode page = JSON.readTree(out.toFile());
    assertThat(page.path("failures")).as("errors in the page").isEmpty();
    assertThat(page.path("jobCell").asText()).isEqualTo(repo + " · build");
    // The live log: a line printed after the page showed the log reached it while the session was running.
    assertThat(page.path("logBeforeRelease").asText()).contains("before the page opened").doesNotContain("line 1");
    assertThat(page.path("stateWhileLive").asText()).isEqualTo("RUNNING");
    assertThat(page.path("logAtEnd").asText()).contains("after the page opened, line 1")
        .contains("after the page opened, line 3").contains("dashboard-test: done").doesNotContain("[32m");
    assertThat(page.path("colouredBefore").asText()).as("the green line in xterm's green").contains("before the page opened");

    // The charts hold the job's cost, exactly as the API states it.
    JsonNode byRepository = page.path("costs").path("byRepository");
    int at = List.of(JSON.treeToValue(byRepository.path("labels"), String[].class)).indexOf(repo);
    String sessionCost = given().header("Authorization", "Bearer " + apiToken)
        .get("/api/v1/sessions/" + runner.sessionId()).then().statusCode(200).extract().path("costUsd").toString();
    assertThat(new BigDecimal(sessionCost)).isPositive();
    assertThat(new BigDecimal(byRepository.path("values").get(at).asText()))
        .isEqualByComparingTo(new BigDecimal(sessionCost));
    double dayTotal = 0;
    for (JsonNode v : page.path("costs").path("byDay").path("values")) {
      dayTotal += v.asDouble();
    }
    assertThat(dayTotal).as("cost per day").isPositive();
    assertThat(page.path("drawn").asInt()).as("painted pixels of the chart by repository").isPositive();
    assertThat(page.path("costJobs").toString()).contains(repo).contains("build").contains("CI");
    // "Which job should move to a smaller size?": the seeded job's row says so, with the evidence as its summary.
    JsonNode sizedRow = null;
    for (JsonNode row : page.path("costJobs")) {
      if (row.get(0).asText().equals(sized)) {
        sizedRow = row;
      }
    }
    assertThat(sizedRow).as("the by-job row of " + sized).isNotNull();
    assertThat(sizedRow.get(sizedRow.size() - 1).asText()).startsWith("move to cpu=4 mem=16g: cheapest: cpu=4 mem=16g at")
        .contains("instead of").contains("on cpu=8 mem=32g");

    // Nothing secret reached the page: not in what it shows, not in anything the bridge sent it.
    String everything = page.path("pageText").asText() + page.path("pageHtml").asText() + page.path("received");
    assertThat(everything).doesNotContain(apiToken).doesNotContain(jitConfig).doesNotContain(WEBHOOK_SECRET)
        .doesNotContain(RealRunnersProfile.class.getSimpleName()); // sanity: the haystack is the page, not the test
    assertThat(page.path("received").toString()).contains("/api/v1/costs").contains("term-view-42");
    assertThat(page.path("scriptCookies").asText()).as("the login cookie is HttpOnly")
        .doesNotContain(DashboardLoginResource.COOKIE);
    File shot = SCREENSHOTS.resolve("dashboard.png").toFile();
    assertThat(shot).exists();
    assertThat(shot.length()).isGreaterThan(10_000);

    deliver(workflowJob("completed", repo, jobId, runner.name()));
  }

  static void stubGithub(String repo, String jitConfig) {
    WireMockServer github = RealRunnersProfile.FakeGithub.server();
    long runnerId = ThreadLocalRandom.current().nextLong(1L << 30, 1L << 40);
    github.stubFor(post(urlEqualTo("/repos/" + repo + "/actions/runners/generate-jitconfig"))
        .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
            .withBody("{\"runner\":{\"id\":" + runnerId + ",\"name\":\"cde\",\"os\":\"linux\",\"status\":\"offline\","
                + "\"busy\":false,\"labels\":[]},\"encoded_jit_config\":\"" + jitConfig + "\"}")));
    github.stubFor(get(urlPathEqualTo("/repos/" + repo + "/actions/runners"))
        .willReturn(okJson("{\"total_count\":0,\"runners\":[]}")));
    github.stubFor(delete(urlPathEqualTo("/repos/" + repo + "/actions/runners/" + runnerId))
        .willReturn(aResponse().withStatus(204)));
  }

  static byte[] workflowJob(String action, String repo, long jobId, String runnerName) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("action", action);
    ObjectNode job = root.putObject("workflow_job");
    job.put("id", jobId);
    job.put("run_id", jobId + 1);
    job.put("run_attempt", 1);
    job.put("name", "build");
    job.put("workflow_name", "CI");
    job.put("status", action);
    job.put("runner_name", runnerName);
    job.put("head_branch", "main");
    job.putArray("labels").add("cde-serverless");
    ObjectNode r = root.putObject("repository");
    r.put("full_name", repo);
    r.put("private", true); // public repositories are refused by default
    r.put("default_branch", "main");
    return JSON.writeValueAsBytes(root);
  }

  static void deliver(byte[] body) {
    given().contentType("application/json").header("X-GitHub-Event", "workflow_job")
        .header("X-GitHub-Delivery", UUID.randomUUID().toString())
        .header("X-Hub-Signature-256", WebhookSignature.sign(WEBHOOK_SECRET, body)).body(body).post("/github/webhook")
        .then().statusCode(org.hamcrest.Matchers.oneOf(200, 202));
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
