package dev.cde.bridge.session;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;

import dev.cde.bridge.home.BridgeHome;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The session API end to end: real H2, the local provider running a stand-in agent process, the canned tunnel. */
@QuarkusTest
class SessionApiTest {
  @Inject
  SessionOwners owners;

  @Inject
  BridgeHome home;

  @Inject
  CannedAgentConnector connector;

  @Inject
  dev.cde.bridge.cache.archive.ArchiveIndex archives;

  String token() throws Exception {
    return Files.readString(home.apiToken()).strip();
  }

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + token());
  }

  @Test
  void tokenIsOwnerOnlyAndRequired() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.apiToken()))).isEqualTo("rw-------");
    given().get("/api/v1/sessions").then().statusCode(401).contentType("application/problem+json")
        .body("status", equalTo(401)).body("title", equalTo("Unauthorized"))
        .body("detail", containsString("missing Authorization header")).body("type", equalTo("about:blank"));
    given().header("Authorization", "Bearer nope").get("/api/v1/sessions/s-aaaaaaaaaa").then().statusCode(401)
        .contentType("application/problem+json").body("detail", equalTo("wrong API token"));
    given().header("Authorization", "Bearer nope").get("/api/v1/no-such-thing").then().statusCode(401);
    given().get("/q/health/ready").then().statusCode(200).body(containsString("bridge database"));
  }

  @Test
  void badInputIsAProblem() throws Exception {
    api().contentType(ContentType.JSON).body("{\"memory\":\"4.5q\"}").post("/api/v1/sessions").then()
        .statusCode(400).contentType("application/problem+json").body("status", equalTo(400))
        .body("detail", containsString("memory '4.5q' is not understood"));
    api().contentType(ContentType.JSON).body("{\"cpu\":1,\"colour\":\"red\"}").post("/api/v1/sessions").then()
        .statusCode(400).contentType("application/problem+json").body("detail", containsString("unknown field 'colour'"));
    api().contentType(ContentType.JSON).body("{\"cpu\":").post("/api/v1/sessions").then()
        .statusCode(400).contentType("application/problem+json");
    api().contentType(ContentType.JSON).body("{\"maxDuration\":\"2d\"}").post("/api/v1/sessions").then()
        .statusCode(400).body("detail", containsString("maxDuration"));
    api().contentType(ContentType.JSON).body("{\"cpu\":100}").post("/api/v1/sessions").then()
        .statusCode(400).body("detail", containsString("out of range"));
    api().get("/api/v1/sessions/s-unknown000").then().statusCode(404).contentType("application/problem+json")
        .body("detail", equalTo("no session s-unknown000"));
    api().delete("/api/v1/sessions/s-unknown000").then().statusCode(404);
    api().get("/api/v1/sessions?state=BOGUS").then().statusCode(400);
  }

  @Test
  void aSessionCreatedWithACacheScopeActsInItAndABadOneIsRefusedBeforeAnythingStarts() throws Exception {
    String id = api().contentType(ContentType.JSON).body("{\"maxDuration\":\"5m\",\"cacheScope\":{\"repository\":"
        + "\"gitlab.example.com/group/app\",\"ref\":\"refs/merge-requests/7/head\",\"defaultRef\":\"refs/heads/main\"}}")
        .post("/api/v1/sessions").then().statusCode(201).extract().jsonPath().getString("id");
    assertThat(archives.scope(id)).contains(new dev.cde.bridge.cache.archive.CacheScope("gitlab.example.com/group/app",
        "refs/merge-requests/7/head", "refs/heads/main"));
    api().delete("/api/v1/sessions/" + id).then().statusCode(200);

    int before = api().get("/api/v1/sessions").then().extract().jsonPath().getList("id").size();
    api().contentType(ContentType.JSON).body("{\"cacheScope\":{\"repository\":\"group/app\"}}")
        .post("/api/v1/sessions").then().statusCode(400).contentType("application/problem+json")
        .body("detail", equalTo("cacheScope.ref is required"));
    api().contentType(ContentType.JSON).body("{\"cacheScope\":{\"repository\":\"group/app\",\"ref\":\"isolated/x\"}}")
        .post("/api/v1/sessions").then().statusCode(400).body("detail", containsString("bridge's own"));
    api().contentType(ContentType.JSON).body("{\"cacheScope\":{\"repository\":\"g\",\"ref\":\"r\",\"owner\":\"x\"}}")
        .post("/api/v1/sessions").then().statusCode(400).body("detail", containsString("unknown field 'owner'"));
    assertThat(api().get("/api/v1/sessions").then().extract().jsonPath().getList("id")).hasSize(before);
  }

  @Inject
  SessionBroker broker;

  @Inject
  SessionReconciler reconciler;

  @Test
  void aSpecTheProviderCannotMeetIsRefusedBeforeAnythingIsStoredOrLaunched() throws Exception {
    long hostMb = broker.provider().limits().maxMemoryMb();
    org.junit.jupiter.api.Assumptions.assumeTrue(hostMb < 256 * 1024,
        "this machine has 256 GiB or more: the local provider could meet the largest memory a session may ask");
    int sessions = api().get("/api/v1/sessions").then().extract().jsonPath().getList("id").size();
    java.util.Set<Path> instances;
    try (var files = Files.list(home.instances())) {
      instances = files.collect(java.util.stream.Collectors.toSet());
    }
    api().contentType(ContentType.JSON).body("{\"memory\":\"256g\"}").post("/api/v1/sessions?wait=true").then()
        .statusCode(400).contentType("application/problem+json")
        .body("detail", equalTo("provider local cannot run this spec: memory 262144 MiB is over its limit of "
            + hostMb + " MiB"));
    assertThat(api().get("/api/v1/sessions").then().extract().jsonPath().getList("id")).hasSize(sessions);
    // nothing new there; an earlier test's instance may still be going away meanwhile
    try (var files = Files.list(home.instances())) {
      assertThat(files).as("nothing launched").isSubsetOf(instances);
    }
  }

  @Inject
  SessionStore store;

  @Test
  void theReconcilerStopsAnInstanceWhoseSessionIsNotActive() throws Exception {
    dev.cde.bridge.provider.InstanceProvider provider = broker.provider();
    java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    dev.cde.bridge.provider.InstanceSpec spec = new dev.cde.bridge.provider.InstanceSpec("default", 1, 512, null, 0, 600);
    // launched for a session the store knows as pending (so no sweep takes it while it starts) ...
    Session s = Session.pending(SessionIds.next(), spec, now);
    owners.claimNew(s.id()); // this replica's, as the broker records one (else the leader adopts it as a dead one's)
    store.insert(s);
    dev.cde.bridge.provider.Instance i = provider.launch(new dev.cde.bridge.provider.LaunchRequest(s.id(), spec,
        java.util.Map.of()));
    String running = api().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions?wait=true").then()
        .statusCode(201).extract().path("id");
    try {
      assertThat(provider.status(i.instanceId()).alive()).isTrue();
      // ... then the session ended and its stop failed: the instance is an orphan now
      Session started = s.starting(provider.name(), now);
      assertThat(store.update(started.finished(SessionState.ENDED, now, "test: its stop failed",
          broker.costOf(started, now)), SessionState.PENDING)).isTrue();
      reconciler.reconcile();
      assertThat(provider.status(i.instanceId())).isEqualTo(dev.cde.bridge.provider.InstanceStatus.EXITED);
      assertThat(provider.instances()).extracting(dev.cde.bridge.provider.HeldInstance::sessionId)
          .doesNotContain(s.id()).contains(running);
      assertThat(api().get("/api/v1/sessions/" + running).then().extract().<String>path("state")).isEqualTo("RUNNING");
    } finally {
      provider.stop(i.instanceId());
      api().delete("/api/v1/sessions/" + running).then().statusCode(200);
    }
  }

  /**
   * A client that is not GitHub names the job a session runs (the GitLab executor does, from GitLab's payload): the
   * cost aggregates group its runs by it, as they group a GitHub job's. A job without a name is refused.
   */
  @Test
  void aSessionsJobIsItsJobInTheCostAggregates() throws Exception {
    String repo = "gitlab.example.com/group/app-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    String id = api().contentType(ContentType.JSON).body("{\"cacheScope\": {\"repository\": \"" + repo
        + "\", \"ref\": \"refs/heads/main\"}, \"job\": {\"workflow\": \".gitlab-ci.yml\", \"name\": \"build\"}}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().path("id");
    api().delete("/api/v1/sessions/" + id).then().statusCode(200);
    List<java.util.Map<String, Object>> groups = api().get("/api/v1/costs?groupBy=job").then().statusCode(200)
        .extract().jsonPath().getList("groups");
    assertThat(groups).filteredOn(g -> repo.equals(g.get("repository"))).singleElement()
        .satisfies(g -> assertThat(g).containsEntry("workflow", ".gitlab-ci.yml").containsEntry("job", "build")
            .containsEntry("sessions", 1));

    api().contentType(ContentType.JSON).body("{\"job\": {\"workflow\": \"ci.yml\"}}").post("/api/v1/sessions")
        .then().statusCode(400).body("detail", equalTo("job.name is required with job: 1 to 200 characters"));
    api().contentType(ContentType.JSON).body("{\"job\": {\"name\": \"" + "x".repeat(201) + "\"}}")
        .post("/api/v1/sessions").then().statusCode(400);
  }

  @Test
  void lifecycle() throws Exception {
    JsonPath created = api().contentType(ContentType.JSON)
        .body("{\"template\":\"default\",\"cpu\":2,\"memory\":\"1g\",\"gpu\":\"t4\",\"maxDuration\":\"30m\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).contentType(ContentType.JSON).extract().jsonPath();
    String id = created.getString("id");
    assertThat(id).matches("s-[a-z2-7]{10}");
    assertThat(created.getString("state")).isEqualTo("RUNNING");
    assertThat(created.getDouble("cpu")).isEqualTo(2.0);
    assertThat(created.getLong("memoryMb")).isEqualTo(1024);
    assertThat(created.getString("gpuType")).isEqualTo("t4");
    assertThat(created.getInt("gpuCount")).isEqualTo(1);
    assertThat(created.getLong("maxDurationSeconds")).isEqualTo(1800);
    assertThat(created.getString("provider")).isEqualTo("local");
    assertThat(created.getString("endpoint")).matches("ws://127\\.0\\.0\\.1:\\d+/tunnel");
    assertThat(created.getInt("agent.cpus")).isEqualTo(2);
    assertThat(created.getString("startedAt")).isNotNull();
    assertThat(connector.isConnected(id)).isTrue();
    assertThat(home.instances().resolve(id)).isDirectory();
    assertThat(Files.readString(home.instances().resolve(id + ".agent.log"))).contains("session " + id);

    api().get("/api/v1/sessions/" + id).then().statusCode(200).body("state", equalTo("RUNNING"));
    List<String> running = api().get("/api/v1/sessions?state=running").then().statusCode(200).extract().jsonPath()
        .getList("id");
    assertThat(running).contains(id);

    JsonPath ended = api().delete("/api/v1/sessions/" + id).then().statusCode(200).extract().jsonPath();
    assertThat(ended.getString("state")).isEqualTo("ENDED");
    assertThat(ended.getString("endReason")).isEqualTo("ended by request");
    assertThat(ended.getString("endedAt")).isNotNull();
    // billed from the agent's answer (the local table does not bill the cold start), to the millisecond
    java.math.BigDecimal billed = new java.math.BigDecimal(ended.getString("cost.billedSeconds"));
    assertThat(billed).isPositive().isLessThanOrEqualTo(java.math.BigDecimal.valueOf(java.time.Duration.between(
        java.time.Instant.parse(ended.getString("startedAt")), java.time.Instant.parse(ended.getString("endedAt")))
        .toMillis(), 3));
    // 2 vCPU x 0.00002, 1 GiB x 0.000003 and one T4 x 0.000672 per second, plus one request at 0.00000015: each
    // part kept to 6 places
    java.math.BigDecimal cpu = billed.multiply(new java.math.BigDecimal("0.00004")).setScale(6, java.math.RoundingMode.HALF_UP);
    java.math.BigDecimal memory = billed.multiply(new java.math.BigDecimal("0.000003")).setScale(6, java.math.RoundingMode.HALF_UP);
    java.math.BigDecimal gpu = billed.multiply(new java.math.BigDecimal("0.000672")).setScale(6, java.math.RoundingMode.HALF_UP);
    assertThat(new java.math.BigDecimal(ended.getString("cost.cpu"))).isEqualByComparingTo(cpu);
    assertThat(new java.math.BigDecimal(ended.getString("cost.gpu"))).isEqualByComparingTo(gpu);
    assertThat(new java.math.BigDecimal(ended.getString("cost.requests"))).isEqualByComparingTo("0.000000");
    assertThat(new java.math.BigDecimal(ended.getString("cost.total"))).isEqualByComparingTo(cpu.add(memory).add(gpu));
    assertThat(ended.getString("cost.currency")).isEqualTo("USD");
    assertThat(ended.getString("cost.priceTable")).isEqualTo("local/default");
    assertThat(ended.getString("costUsd")).isNotNull();
    assertThat(new java.math.BigDecimal(ended.getString("costUsd")))
        .isEqualByComparingTo(new java.math.BigDecimal(ended.getString("cost.total")));
    assertThat(connector.isConnected(id)).isFalse();
    assertThat(home.instances().resolve(id)).doesNotExist();

    // Idempotent: ending it again returns the same record.
    api().delete("/api/v1/sessions/" + id).then().statusCode(200).body("state", equalTo("ENDED"))
        .body("endedAt", equalTo(ended.getString("endedAt")));
    List<String> all = api().get("/api/v1/sessions").then().statusCode(200).extract().jsonPath().getList("id");
    assertThat(all).contains(id);
    assertThat(api().get("/api/v1/sessions?state=RUNNING").then().extract().jsonPath().getList("id")).doesNotContain(id);
  }

  @Test
  void sessionsAreFoundAgainByTheNameTheirClientGaveThem() throws Exception {
    String name = "gitlab-example.com-" + System.nanoTime();
    String first = api().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).body("name", equalTo(name)).extract().path("id");
    String other = api().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions?wait=true").then()
        .statusCode(201).extract().path("id");
    JsonPath soFar = api().get("/api/v1/sessions/" + first + "/cost").then().statusCode(200).extract().jsonPath();
    assertThat(new java.math.BigDecimal(soFar.getString("billedSeconds"))).isNotNegative();
    assertThat(soFar.getString("currency")).isEqualTo("USD");
    assertThat(new java.math.BigDecimal(soFar.getString("total"))).isNotNegative();
    JsonPath ended = api().delete("/api/v1/sessions/" + first).then().statusCode(200).body("name", equalTo(name))
        .extract().jsonPath();
    assertThat(new java.math.BigDecimal(api().get("/api/v1/sessions/" + first + "/cost").then().statusCode(200)
        .extract().jsonPath().getString("total"))).isEqualByComparingTo(ended.getString("cost.total"));
    api().get("/api/v1/sessions/s-unknown000/cost").then().statusCode(404);
    String second = api().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().path("id");

    // Newest first; the name filter combines with the state filter.
    assertThat(api().get("/api/v1/sessions?name=" + name).then().statusCode(200).extract().jsonPath()
        .<String>getList("id")).containsExactly(second, first);
    assertThat(api().get("/api/v1/sessions?state=RUNNING&name=" + name).then().extract().jsonPath()
        .<String>getList("id")).containsExactly(second);
    assertThat(api().get("/api/v1/sessions?name=no-such-name").then().statusCode(200).extract().jsonPath()
        .<String>getList("id")).isEmpty();
    api().get("/api/v1/sessions?name=bad%20name").then().statusCode(400).contentType("application/problem+json")
        .body("detail", containsString("not a valid session name"));
    api().contentType(ContentType.JSON).body("{\"name\":\"-x\"}").post("/api/v1/sessions").then().statusCode(400)
        .body("detail", containsString("not a valid session name"));
    api().delete("/api/v1/sessions/" + second).then().statusCode(200);
    api().delete("/api/v1/sessions/" + other).then().statusCode(200);
  }

  @Test
  void createReturnsAtOnceAsPending() throws Exception {
    JsonPath created = api().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions").then()
        .statusCode(201).header("Location", containsString("/api/v1/sessions/")).extract().jsonPath();
    String id = created.getString("id");
    assertThat(created.getString("state")).isIn("PENDING", "STARTING");
    assertThat(created.getLong("memoryMb")).isEqualTo(2048);
    assertThat(created.getLong("maxDurationSeconds")).isEqualTo(3600);
    await().atMost(Duration.ofSeconds(20)).until(() -> "RUNNING".equals(api().get("/api/v1/sessions/" + id)
        .jsonPath().getString("state")));
    api().delete("/api/v1/sessions/" + id).then().statusCode(200).body("state", equalTo("ENDED"));
  }

  @Test
  void reconcilerEndsSessionsWhoseInstanceExited() throws Exception {
    String id = api().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions?wait=true").then()
        .statusCode(201).body("state", equalTo("RUNNING")).extract().path("id");
    long pid = Long.parseLong(Files.readString(home.instances().resolve(id + ".pid")).split(" ")[0]);
    ProcessHandle.of(pid).ifPresent(h -> {
      h.descendants().forEach(ProcessHandle::destroyForcibly);
      h.destroyForcibly();
    });
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> api().get("/api/v1/sessions/" + id).then()
        .body("state", equalTo("ENDED")).body("endReason", equalTo("instance exited")));
  }

  @Test
  void reconcilerEndsSessionsPastTheirMaxDuration() throws Exception {
    String id = api().contentType(ContentType.JSON).body("{\"maxDuration\":\"10s\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).body("state", equalTo("RUNNING"))
        .extract().path("id");
    await().atMost(Duration.ofSeconds(25)).untilAsserted(() -> api().get("/api/v1/sessions/" + id).then()
        .body("state", equalTo("ENDED")).body("endReason", equalTo("max duration reached"))
        .body("cost.billedSeconds", org.hamcrest.Matchers.greaterThanOrEqualTo(5f)));
  }

  @Test
  void logsNeverShowTheTokenOrTheKey() throws Exception {
    String id = api().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions?wait=true").then()
        .statusCode(201).extract().path("id");
    api().delete("/api/v1/sessions/" + id).then().statusCode(200);
    given().header("Authorization", "Bearer " + token() + "x").get("/api/v1/sessions").then().statusCode(401);
    String pem = Files.readString(home.signingKey());
    String privateKey = pem.substring(pem.indexOf("-----\n") + 6, pem.indexOf("-----END PRIVATE KEY")).replace("\n", "");
    Path log = Path.of("target/cde-test.log");
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(log).contains("session " + id + ": ended"));
    String text = Files.readString(log);
    assertThat(text).contains("session " + id + ": created").contains("API token");
    assertThat(text).doesNotContain(token());
    assertThat(text).doesNotContain(privateKey);
    for (String line : pem.split("\n")) {
      if (!line.startsWith("-----") && line.length() > 20 && pem.indexOf(line) < pem.indexOf("-----END PRIVATE KEY")) {
        assertThat(text).doesNotContain(line);
      }
    }
  }
}
