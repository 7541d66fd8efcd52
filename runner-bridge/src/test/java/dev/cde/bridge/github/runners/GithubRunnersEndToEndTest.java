package dev.cde.bridge.github.runners;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.github.api.OpenApiRequestChecker;
import dev.cde.bridge.github.webhook.WebhookSignature;
import dev.cde.bridge.logs.SessionLogs;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionState;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.TunnelTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * GitHub jobs end to end: signed webhooks in, a WireMock GitHub, the local provider starting the real agent,
 * the runner (a stand-in script) started over the tunnel with its JIT config, and its hooks calling back.
 * Every request the bridge made to GitHub is checked against GitHub's OpenAPI description at the end.
 */
@QuarkusTest
@TestProfile(RealRunnersProfile.class)
class GithubRunnersEndToEndTest {
  static final String SECRET = "test-webhook-secret-5f2c"; // %test.cde.github.webhook.secret
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration SLOW = Duration.ofSeconds(40);

  @Inject
  ArchiveIndex archives;
  @Inject
  GithubJobStore store;
  @Inject
  GithubRunners runners;
  @Inject
  GithubRunnerReconciler reconciler;
  @Inject
  SessionBroker broker;
  @Inject
  SessionLogs logs;
  @Inject
  SigningKeys keys;
  @Inject
  dev.cde.bridge.home.BridgeHome home;

  static WireMockServer github() {
    return RealRunnersProfile.FakeGithub.server;
  }

  static long fresh() {
    return ThreadLocalRandom.current().nextLong(1L << 30, 1L << 40);
  }

  static String freshRepo(String name) {
    return "octo/" + name + "-" + Long.toString(fresh(), 36);
  }

  /** GitHub's answers for one repository: JIT configs telling the stand-in runner {@code run 1 mode}. */
  static long stubRepository(String repo, long runId, String mode) {
    long runnerId = fresh();
    github().stubFor(post(urlEqualTo("/repos/" + repo + "/actions/runners/generate-jitconfig")).atPriority(5)
        .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
            .withBody(jitAnswer(runnerId, runId, mode))));
    github().stubFor(get(urlPathEqualTo("/repos/" + repo + "/actions/runners")).atPriority(5)
        .willReturn(okJson("{\"total_count\":0,\"runners\":[]}")));
    github().stubFor(delete(urlPathEqualTo("/repos/" + repo + "/actions/runners/" + runnerId))
        .willReturn(aResponse().withStatus(204)));
    return runnerId;
  }

  static String jitAnswer(long runnerId, long runId, String mode) {
    String config = Base64.getEncoder().encodeToString((runId + " 1 " + mode).getBytes(StandardCharsets.UTF_8));
    return "{\"runner\":{\"id\":" + runnerId + ",\"name\":\"cde\",\"os\":\"linux\",\"status\":\"offline\","
        + "\"busy\":false,\"labels\":[]},\"encoded_jit_config\":\"" + config + "\"}";
  }

  static long jitRequests(String repo) {
    return github().countRequestsMatching(
        postRequestedFor(urlEqualTo("/repos/" + repo + "/actions/runners/generate-jitconfig")).build()).getCount();
  }

  static byte[] delivery(String action, String repo, boolean isPrivate, long jobId, long runId, String runnerName,
      String... labels) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("action", action);
    ObjectNode job = root.putObject("workflow_job");
    job.put("id", jobId);
    job.put("run_id", runId);
    job.put("run_attempt", 1);
    job.put("name", "build");
    job.put("status", action);
    job.put("runner_name", runnerName);
    job.put("head_branch", "main");
    var l = job.putArray("labels");
    for (String label : labels) {
      l.add(label);
    }
    ObjectNode r = root.putObject("repository");
    r.put("full_name", repo);
    r.put("private", isPrivate);
    r.put("default_branch", "main");
    return JSON.writeValueAsBytes(root);
  }

  static void deliver(String deliveryId, byte[] body) {
    given().contentType("application/json").header("X-GitHub-Event", "workflow_job")
        .header("X-GitHub-Delivery", deliveryId).header("X-Hub-Signature-256", WebhookSignature.sign(SECRET, body))
        .body(body).post("/github/webhook").then().statusCode(org.hamcrest.Matchers.oneOf(200, 202));
  }

  static void deliver(byte[] body) {
    deliver(UUID.randomUUID().toString(), body);
  }

  GithubRunner awaitRunner(String name, String state) {
    await().atMost(SLOW).until(() -> store.runner(name).map(r -> r.state().equals(state)).orElse(false));
    return store.runner(name).orElseThrow();
  }

  Session awaitEnded(String sessionId) {
    await().atMost(SLOW).until(() -> broker.get(sessionId).state().terminal());
    return broker.get(sessionId);
  }

  @Test
  void oneJobDeliveredThreeTimesGetsOneRunnerThatEndsWithItsJob() throws Exception {
    String repo = freshRepo("once");
    long job = fresh();
    long run = fresh();
    long runnerId = stubRepository(repo, run, "idle");
    byte[] queued = delivery("queued", repo, true, job, run, null, "cde-serverless", "cpu=2", "mem=3g");
    String id = UUID.randomUUID().toString();
    deliver(id, queued);
    deliver(id, queued); // GitHub's redelivery: the same delivery id
    deliver(queued); // the same event through a second hook: another delivery id

    GithubRunner runner = awaitRunner("cde-" + job + "-1", GithubRunner.IDLE);
    assertThat(jitRequests(repo)).isEqualTo(1);
    assertThat(store.runnersStartedFor(job, 1)).isEqualTo(1);
    Session session = broker.get(runner.sessionId());
    assertThat(session.state()).isEqualTo(SessionState.RUNNING);
    assertThat(session.cpu()).isEqualTo(2.0);
    assertThat(session.memoryMb()).isEqualTo(3072);
    // The JIT config reached the runner through its environment: the stand-in printed that it listens.
    await().atMost(SLOW).until(() -> log(runner.sessionId()).contains("stand-in runner: listening for jobs"));

    deliver(delivery("in_progress", repo, true, job, run, runner.name(), "cde-serverless", "cpu=2", "mem=3g"));
    awaitRunner(runner.name(), GithubRunner.BUSY);
    assertThat(store.job(job, 1).orElseThrow().status()).isEqualTo(GithubJob.IN_PROGRESS);

    deliver(delivery("completed", repo, true, job, run, runner.name(), "cde-serverless", "cpu=2", "mem=3g"));
    Session ended = awaitEnded(runner.sessionId());
    assertThat(ended.state()).isEqualTo(SessionState.ENDED);
    assertThat(ended.endReason()).contains("completed");
    assertThat(ended.cost()).isNotNull();
    assertThat(ended.costUsd()).isNotNull().isPositive();
    assertThat(store.job(job, 1).orElseThrow().status()).isEqualTo(GithubJob.COMPLETED);
    await().atMost(SLOW).untilAsserted(() -> assertThat(github().countRequestsMatching(deleteRequestedFor(
        urlEqualTo("/repos/" + repo + "/actions/runners/" + runnerId)).build()).getCount()).isEqualTo(1));
    assertThat(jitRequests(repo)).isEqualTo(1);
  }

  @Test
  void aJobWhoseWebhookWasLostIsServedByTheReconcilerOnce() throws Exception {
    String repo = freshRepo("lost");
    long job = fresh();
    long run = fresh();
    stubRepository(repo, run, "idle");
    github().stubFor(get(urlEqualTo("/repos/" + repo + "/actions/runs?status=queued&per_page=100"))
        .willReturn(okJson("{\"total_count\":1,\"workflow_runs\":[{\"id\":" + run + "}]}")));
    github().stubFor(get(urlEqualTo("/repos/" + repo + "/actions/runs?status=in_progress&per_page=100"))
        .willReturn(okJson("{\"total_count\":0,\"workflow_runs\":[]}")));
    github().stubFor(get(urlEqualTo("/repos/" + repo + "/actions/runs/" + run + "/jobs?per_page=100"))
        .willReturn(okJson("{\"total_count\":1,\"jobs\":[{\"id\":" + job + ",\"run_id\":" + run + ",\"run_attempt\":1,"
            + "\"name\":\"build\",\"labels\":[\"cde-serverless\"],\"status\":\"queued\",\"conclusion\":null,"
            + "\"runner_name\":null}]}")));
    github().stubFor(get(urlEqualTo("/repos/" + repo)).willReturn(okJson("{\"full_name\":\"" + repo
        + "\",\"private\":true,\"visibility\":\"private\"}")));
    // The reconciler scans the configured repositories and those it has work for: here, a job awaiting approval.
    store.insertJob(new GithubJob(fresh(), 1, repo, run, "other", List.of("cde-serverless"), "cde-serverless",
        GithubJob.WAITING, null, null, null, 0, java.time.Instant.now(), java.time.Instant.now()));

    reconciler.reconcile();
    awaitRunner("cde-" + job + "-1", GithubRunner.IDLE);
    reconciler.reconcile(); // idempotent: the job is known now, and has its runner
    assertThat(jitRequests(repo)).isEqualTo(1);
    assertThat(store.runnersStartedFor(job, 1)).isEqualTo(1);
    // With a token there is no App whose failed deliveries could be read or redelivered.
    assertThat(github().findAll(anyRequestedFor(urlPathMatching("/app/hook/.*")))).isEmpty();
  }

  @Test
  void badLabelsFailTheJobAtOnceWithTheReasonInItsLog() throws Exception {
    String repo = freshRepo("bad");
    long job = fresh();
    long run = fresh();
    stubRepository(repo, run, "job");
    String name = "cde-" + job + "-1";
    // Which job the runner took, as GitHub's job list tells the hook's question.
    github().stubFor(get(urlEqualTo("/repos/" + repo + "/actions/runs/" + run + "/attempts/1/jobs?per_page=100"))
        .willReturn(okJson("{\"total_count\":1,\"jobs\":[{\"id\":" + job + ",\"run_id\":" + run + ",\"run_attempt\":1,"
            + "\"name\":\"build\",\"labels\":[\"cde-serverless\",\"cpu=lots\"],\"status\":\"in_progress\","
            + "\"conclusion\":null,\"runner_name\":\"" + name + "\"}]}")));
    deliver(delivery("queued", repo, true, job, run, null, "cde-serverless", "cpu=lots"));

    GithubRunner runner = await().atMost(SLOW).until(() -> store.runner(name), Optional::isPresent).orElseThrow();
    Session ended = awaitEnded(runner.sessionId());
    String log = log(runner.sessionId());
    assertThat(log).contains("::error title=cde::").contains("cpu").contains("job failed in its job-started hook");
    assertThat(ended.endReason()).contains("exit code 0");
    assertThat(store.job(job, 1).orElseThrow().labelError()).contains("cpu");
  }

  @Test
  void aJobAskingMoreThanTheProviderHasFailsWithTheProvidersReason() throws Exception {
    long hostMb = broker.provider().limits().maxMemoryMb();
    org.junit.jupiter.api.Assumptions.assumeTrue(hostMb < 256 * 1024, "this machine has 256 GiB or more: "
        + "the local provider could run the largest job the labels can ask for");
    String repo = freshRepo("toobig");
    long job = fresh();
    long run = fresh();
    stubRepository(repo, run, "job");
    String name = "cde-" + job + "-1";
    github().stubFor(get(urlEqualTo("/repos/" + repo + "/actions/runs/" + run + "/attempts/1/jobs?per_page=100"))
        .willReturn(okJson("{\"total_count\":1,\"jobs\":[{\"id\":" + job + ",\"run_id\":" + run + ",\"run_attempt\":1,"
            + "\"name\":\"build\",\"labels\":[\"cde-serverless\",\"mem=256g\"],\"status\":\"in_progress\","
            + "\"conclusion\":null,\"runner_name\":\"" + name + "\"}]}")));
    deliver(delivery("queued", repo, true, job, run, null, "cde-serverless", "mem=256g"));

    GithubRunner runner = await().atMost(SLOW).until(() -> store.runner(name), Optional::isPresent).orElseThrow();
    Session ended = awaitEnded(runner.sessionId());
    String reason = "provider local cannot run this spec: memory 262144 MiB is over its limit of " + hostMb + " MiB";
    assertThat(store.job(job, 1).orElseThrow().labelError()).isEqualTo(reason);
    // the refusal runs in a default-sized instance, never one of the size asked
    assertThat(ended.spec().memoryMb()).isLessThan(262144);
    assertThat(log(runner.sessionId())).contains("::error title=cde::").contains(reason)
        .contains("job failed in its job-started hook");
  }

  @Test
  void aJobThatRunsReportsItsCostInTheJobSummary() throws Exception {
    String repo = freshRepo("summary");
    long job = fresh();
    long run = fresh();
    stubRepository(repo, run, "job");
    String name = "cde-" + job + "-1";
    github().stubFor(get(urlEqualTo("/repos/" + repo + "/actions/runs/" + run + "/attempts/1/jobs?per_page=100"))
        .willReturn(okJson("{\"total_count\":1,\"jobs\":[{\"id\":" + job + ",\"run_id\":" + run + ",\"run_attempt\":1,"
            + "\"name\":\"build\",\"labels\":[\"cde-serverless\"],\"status\":\"in_progress\","
            + "\"conclusion\":null,\"runner_name\":\"" + name + "\"}]}")));
    deliver(delivery("queued", repo, true, job, run, null, "cde-serverless"));

    GithubRunner runner = await().atMost(SLOW).until(() -> store.runner(name), Optional::isPresent).orElseThrow();
    awaitEnded(runner.sessionId());
    // The job's cache lookup reached the bridge with the session's scope (recorded by the hook): a miss, 204.
    assertThat(log(runner.sessionId())).contains("stand-in runner: cache lookup answered 204")
        .doesNotContain("/_cde/cache/ey");
    // The job-completed hook put the job's cost report into its summary: the session's figures so far, the job
    // learnt from the hook, and the nearest GitHub-hosted runner for the 1 vCPU / 2 GiB it asked for.
    assertThat(log(runner.sessionId())).contains("stand-in runner: job ran")
        .contains("stand-in runner: summary: ### cde cost report: `" + runner.sessionId() + "`")
        .contains("GitHub job " + job + " · " + repo + " · build · session running, figures so far")
        .contains("priced with **local/default**").contains("| **total** |")
        .contains("- **Size**: asked 1 vCPU · 2.0 GiB")
        .containsPattern("- \\*\\*On a GitHub-hosted runner\\*\\*: `linux_slim` .* × 1 min = \\*\\*\\$0\\.002000\\*\\* for the job");
    assertThat(store.runner(name).orElseThrow().jobId()).isEqualTo(job); // learnt from the hook, no webhook
    // and the report is found by the GitHub job id too
    String token = Files.readString(home.apiToken()).strip();
    assertThat(given().header("Authorization", "Bearer " + token).get("/api/v1/github/jobs/" + job + "/report?format=markdown")
        .then().statusCode(200).extract().asString()).startsWith("### cde cost report: `" + runner.sessionId() + "`")
        .contains("GitHub job " + job + " · " + repo + " · build · session ended");
    given().header("Authorization", "Bearer " + token).get("/api/v1/github/jobs/" + job + "/report").then()
        .statusCode(200).body("sessionId", org.hamcrest.Matchers.equalTo(runner.sessionId()))
        .body("job", org.hamcrest.Matchers.equalTo("GitHub job " + job + " · " + repo + " · build"))
        .body("timeline.jobStartedAt", org.hamcrest.Matchers.notNullValue())
        .body("timeline.jobEndedAt", org.hamcrest.Matchers.notNullValue());
    given().header("Authorization", "Bearer " + token).get("/api/v1/github/jobs/1/report").then().statusCode(404)
        .contentType("application/problem+json");
    // The hook fixed the job's cache scope: repository and branches from the webhook, the ref from the runner.
    assertThat(archives.scope(runner.sessionId())).contains(
        new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
  }

  @Test
  void publicRepositoriesAreRefusedByDefault() throws Exception {
    String repo = freshRepo("public");
    long job = fresh();
    stubRepository(repo, fresh(), "idle");
    deliver(delivery("queued", repo, false, job, fresh(), null, "cde-serverless"));
    await().atMost(SLOW).until(() -> store.job(job, 1).isPresent());
    GithubJob refused = store.job(job, 1).orElseThrow();
    assertThat(refused.status()).isEqualTo(GithubJob.REFUSED);
    assertThat(refused.detail()).contains("public");
    assertThat(jitRequests(repo)).isZero();
    assertThat(store.runnersStartedFor(job, 1)).isZero();
    // Where an admin looks first when a job stays queued; behind the API token like the rest of /api/v1.
    given().get("/api/v1/github/jobs").then().statusCode(401);
    given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip()).get("/api/v1/github/jobs?limit=500").then()
        .statusCode(200).body("find { it.jobId == " + job + " }.status", org.hamcrest.Matchers.equalTo("refused"))
        .body("find { it.jobId == " + job + " }.detail", org.hamcrest.Matchers.containsString("public"));
  }

  @Test
  void aRunnerNameLeftOverFromALostAnswerIsReplaced() throws Exception {
    String repo = freshRepo("conflict");
    long job = fresh();
    long run = fresh();
    stubRepository(repo, run, "idle");
    String path = "/repos/" + repo + "/actions/runners/generate-jitconfig";
    github().stubFor(post(urlEqualTo(path)).inScenario("409").whenScenarioStateIs(Scenario.STARTED).atPriority(1)
        .willReturn(aResponse().withStatus(409).withHeader("Content-Type", "application/json")
            .withBody("{\"message\":\"Already exists - A runner with the name already exists.\"}"))
        .willSetStateTo("cleared"));
    github().stubFor(get(urlPathEqualTo("/repos/" + repo + "/actions/runners")).atPriority(1)
        .willReturn(okJson("{\"total_count\":1,\"runners\":[{\"id\":4242,\"name\":\"cde-" + job + "-1\",\"os\":\"linux\","
            + "\"status\":\"offline\",\"busy\":false,\"labels\":[]}]}")));
    github().stubFor(delete(urlEqualTo("/repos/" + repo + "/actions/runners/4242")).willReturn(aResponse().withStatus(204)));
    deliver(delivery("queued", repo, true, job, run, null, "cde-serverless"));

    awaitRunner("cde-" + job + "-1", GithubRunner.IDLE);
    assertThat(jitRequests(repo)).isEqualTo(2);
    assertThat(github().countRequestsMatching(deleteRequestedFor(urlEqualTo("/repos/" + repo + "/actions/runners/4242"))
        .build()).getCount()).isEqualTo(1);
  }

  @Test
  void aJitConfigGithubKeepsRefusingGivesTheJobUpWithGithubsReason() throws Exception {
    String repo = freshRepo("refused");
    long job = fresh();
    stubRepository(repo, fresh(), "idle");
    github().stubFor(post(urlEqualTo("/repos/" + repo + "/actions/runners/generate-jitconfig")).atPriority(1)
        .willReturn(aResponse().withStatus(422).withHeader("Content-Type", "application/json")
            .withBody("{\"message\":\"Validation Failed\",\"errors\":[{\"message\":\"runner group 1 does not allow"
                + " this repository\"}]}")));
    deliver(delivery("queued", repo, true, job, fresh(), null, "self-hosted", "cde-serverless"));

    await().atMost(SLOW).until(() -> store.job(job, 1).map(j -> j.status().equals(GithubJob.GIVEN_UP)).orElse(false));
    GithubJob given = store.job(job, 1).orElseThrow();
    assertThat(given.detail()).contains("422").contains("does not allow");
    assertThat(jitRequests(repo)).isEqualTo(3); // cde.github.runners.max-launch-attempts
    // ... and stays given up: the last failed session's end must not start a fourth runner.
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> jitRequests(repo) == 3);
    // self-hosted is a default label of every self-hosted runner, not one of the JIT config's custom labels.
    assertThat(github().findAll(postRequestedFor(urlEqualTo("/repos/" + repo + "/actions/runners/generate-jitconfig")))
        .get(0).getBodyAsString()).contains("\"labels\":[\"cde-serverless\"]");
    await().atMost(SLOW).untilAsserted(() -> assertThat(broker.list(java.util.EnumSet.of(SessionState.PENDING,
        SessionState.STARTING, SessionState.RUNNING))).noneMatch(s -> store.runnerOfSession(s.id())
        .map(r -> r.repository().equals(repo)).orElse(false)));
  }

  @Test
  void aRateLimitedJitRequestWaitsAndIsRepeated() throws Exception {
    String repo = freshRepo("limited");
    long job = fresh();
    long run = fresh();
    stubRepository(repo, run, "idle");
    String path = "/repos/" + repo + "/actions/runners/generate-jitconfig";
    long reset = System.currentTimeMillis() / 1000 + 1;
    github().stubFor(post(urlEqualTo(path)).inScenario("403").whenScenarioStateIs(Scenario.STARTED).atPriority(1)
        .willReturn(aResponse().withStatus(403).withHeader("Content-Type", "application/json")
            .withHeader("x-ratelimit-remaining", "0").withHeader("x-ratelimit-reset", Long.toString(reset))
            .withBody("{\"message\":\"API rate limit exceeded\"}"))
        .willSetStateTo("reset"));
    long before = System.nanoTime();
    deliver(delivery("queued", repo, true, job, run, null, "cde-serverless"));

    awaitRunner("cde-" + job + "-1", GithubRunner.IDLE);
    assertThat(jitRequests(repo)).isEqualTo(2);
    assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThan(Duration.ofMillis(500));
  }

  @Test
  void runnersAreCountedPerLabelSetSoAStolenRunnerIsReplaced() throws Exception {
    String repo = freshRepo("steal");
    long small = fresh();
    long big = fresh();
    long run = fresh();
    stubRepository(repo, run, "idle");
    deliver(delivery("queued", repo, true, small, run, null, "cde-serverless"));
    deliver(delivery("queued", repo, true, big, run, null, "cde-serverless", "cpu=2"));
    GithubRunner forSmall = awaitRunner("cde-" + small + "-1", GithubRunner.IDLE);
    GithubRunner forBig = awaitRunner("cde-" + big + "-1", GithubRunner.IDLE);

    // GitHub gives the small job to the big job's runner: its labels cover the small job's.
    deliver(delivery("in_progress", repo, true, small, run, forBig.name(), "cde-serverless"));
    // The big job needs a runner with cpu=2 again; the small one's runner cannot take it.
    GithubRunner replacement = awaitRunner("cde-" + big + "-1-2", GithubRunner.IDLE);
    assertThat(replacement.labelKey()).isEqualTo(forBig.labelKey());
    assertThat(jitRequests(repo)).isEqualTo(3);

    // The small job's own runner has nothing left it can take: it is ended once GitHub says it is idle.
    runners.trimSpare(repo, Duration.ZERO);
    Session spare = awaitEnded(forSmall.sessionId());
    assertThat(spare.endReason()).contains("no queued job left");
    assertThat(broker.get(replacement.sessionId()).state()).isEqualTo(SessionState.RUNNING);

    deliver(delivery("in_progress", repo, true, big, run, replacement.name(), "cde-serverless", "cpu=2"));
    deliver(delivery("completed", repo, true, small, run, forBig.name(), "cde-serverless"));
    deliver(delivery("completed", repo, true, big, run, replacement.name(), "cde-serverless", "cpu=2"));
    awaitEnded(forBig.sessionId());
    awaitEnded(replacement.sessionId());
    assertThat(jitRequests(repo)).isEqualTo(3);
  }

  @Test
  void hooksNeedTheirOwnSessionsHookToken() {
    given().formParam("runId", "1").post("/github/hooks/job-started").then().statusCode(401);
    // A token for the agent (another audience) is not a hook token.
    String agentToken = TunnelTokens.issue(keys.privateKey(), "s-whatever", Duration.ofMinutes(1));
    given().header("Authorization", "Bearer " + agentToken).formParam("runId", "1")
        .post("/github/hooks/job-started").then().statusCode(401);
    String forged = TunnelTokens.issue(TunnelTokens.generateKeyPair().getPrivate(), RunnerLauncher.HOOK_AUDIENCE,
        "s-whatever", Duration.ofMinutes(1));
    given().header("Authorization", "Bearer " + forged).formParam("runId", "1")
        .post("/github/hooks/job-started").then().statusCode(401);
    String valid = TunnelTokens.issue(keys.privateKey(), RunnerLauncher.HOOK_AUDIENCE, "s-norunner", Duration.ofMinutes(1));
    given().header("Authorization", "Bearer " + valid).formParam("runId", "x")
        .post("/github/hooks/job-started").then().statusCode(400);
    given().header("Authorization", "Bearer " + valid).formParam("runId", "1")
        .post("/github/hooks/job-started").then().statusCode(404);
  }

  String log(String sessionId) throws Exception {
    Optional<Path> file = logs.file(sessionId);
    return file.isPresent() && Files.exists(file.get()) ? Files.readString(file.get()) : "";
  }

  /** The agents run unsandboxed here (the stand-in runner lives in the checkout), so they must not outlive the test. */
  @AfterEach
  void endLeftoverSessions() {
    // First the jobs, or ending their runners' sessions would start new runners for them.
    List<String> open = List.of(GithubJob.WAITING, GithubJob.QUEUED, GithubJob.IN_PROGRESS);
    for (String repo : store.activeRepositories()) {
      for (GithubJob j : store.jobs(repo, open)) {
        store.moveJob(j.jobId(), j.runAttempt(), GithubJob.COMPLETED, null, "test over", open);
      }
    }
    for (Session s : broker.list(java.util.EnumSet.of(SessionState.PENDING, SessionState.STARTING,
        SessionState.RUNNING))) {
      broker.end(s.id(), "test over");
    }
  }

  /**
   * After each test rather than once after all: a check that cannot run (the npm fixtures missing) then skips
   * the test with the reason, where in {@code @AfterAll} the skip would go unreported.
   */
  @AfterEach
  void requestsMatchGithubsOpenApi() {
    // The git mirror's fetch (git's smart HTTP, /owner/repo.git/info/refs) goes to the same fake host, as it
    // goes to GitHub's; it is git's protocol, not the REST API that the OpenAPI description covers.
    List<com.github.tomakehurst.wiremock.stubbing.ServeEvent> requests = github().getAllServeEvents().stream()
        .filter(e -> !e.getRequest().getUrl().matches("/[^/]+/[^/]+\\.git/.*")).toList();
    github().resetRequests();
    assertThat(OpenApiRequestChecker.github().violations(requests))
        .as("requests that GitHub's OpenAPI description does not allow").isEmpty();
  }

  @AfterAll
  static void noSecretWasLogged() throws Exception {
    Path bridgeLog = Path.of("target/cde-test.log");
    if (Files.exists(bridgeLog)) {
      assertThat(Files.readString(bridgeLog)).doesNotContain(RealRunnersProfile.TOKEN);
    }
  }
}
