package dev.cde.bridge.relay;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.cde.bridge.github.runners.RealRunnersProfile;
import dev.cde.bridge.home.BridgeHome;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.CuttableProxy;
import dev.cde.tunnel.SeqLines;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real bridge and the real agent (local provider) with a TCP proxy between them that the test cuts in the
 * middle of a job, which a client runs through the bridge's relay as the GitLab executor does: the job's output
 * arrives complete, line for line; an instance that stays unreachable past the grace period fails the session
 * with the reason, and the client's channel ends with it.
 */
@QuarkusTest
@TestProfile(TunnelResumeEndToEndTest.CutProfile.class)
class TunnelResumeEndToEndTest {
  @Inject
  BridgeHome home;

  @Inject
  Vertx vertx;

  @TestHTTPResource("/")
  URI root;

  public static class CutProfile extends RealRunnersProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> config = new HashMap<>(super.getConfigOverrides());
      config.put("cde.provider.name", "cut-local");
      config.put("cde.session.resume-grace", "3s");
      return config;
    }
  }

  @Test
  void aJobsOutputSurvivesCutsAndAnUnreachableInstanceFailsTheSession() throws Exception {
    String token = Files.readString(home.apiToken()).strip();
    JsonPath created = given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body("{}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).body("state", equalTo("RUNNING"))
        .extract().jsonPath();
    String id = created.getString("id");
    CuttableProxy proxy = CutLocalProvider.PROXIES.get(created.getString("instanceId"));
    assertThat(proxy).as("the bridge dials the instance through the proxy").isNotNull();

    TunnelSession client = TunnelClient.connect(vertx, TunnelClient.httpClient(vertx),
        URI.create("ws://" + root.getAuthority() + "/api/v1/sessions/" + id + "/tunnel"),
        Map.of("Authorization", "Bearer " + token), Hello.of("client", "cde-test"), new TunnelOptions())
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    // A job printing numbered lines; the bridge-to-instance path breaks three times while it runs.
    runNumberedLinesCutThreeTimes(client, proxy);
    given().header("Authorization", "Bearer " + token).get("/api/v1/sessions/" + id).then()
        .statusCode(200).body("state", equalTo("RUNNING"));

    // Now the instance becomes unreachable for longer than the grace period.
    Channel sleeper = client.open(OpenRequest.exec(List.of("sleep", "600"), null, null))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    CompletableFuture<String> sleeperClosed = new CompletableFuture<>();
    sleeper.closeHandler(sleeperClosed::complete);
    proxy.refuse(true);
    proxy.cut();
    assertThat(sleeperClosed.get(30, TimeUnit.SECONDS)).contains("tunnel lost for more than 3 s");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonPath s = given().header("Authorization", "Bearer " + token).get("/api/v1/sessions/" + id).then()
          .statusCode(200).extract().jsonPath();
      assertThat(s.getString("state")).isEqualTo("FAILED");
      assertThat(s.getString("endReason")).startsWith("tunnel lost for more than 3 s: ");
    });
  }

  /**
   * The other leg: the client's connection to the bridge (the {@code cde} command's, the GitLab executor's) is cut
   * in the middle of a job and resumed, with the job's output complete; cut off past the grace period, the client's
   * tunnel ends with the reason while the session lives on for the next client.
   */
  @Test
  void aClientsConnectionToTheBridgeResumesMidJob() throws Exception {
    String token = Files.readString(home.apiToken()).strip();
    String id = given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body("{}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).body("state", equalTo("RUNNING"))
        .extract().path("id");
    try (CuttableProxy proxy = new CuttableProxy(vertx, root.getPort())) {
      TunnelSession client = TunnelClient.connectResumable(vertx, TunnelClient.httpClient(vertx),
          URI.create("ws://127.0.0.1:" + proxy.port() + "/api/v1/sessions/" + id + "/tunnel"),
          () -> Map.of("Authorization", "Bearer " + token), Hello.of("client", "cde-test"), new TunnelOptions())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      runNumberedLinesCutThreeTimes(client, proxy);
      assertThat(client.resumeCount()).isEqualTo(3);

      // cut off for longer than the grace period: the client's tunnel is lost, the session is not
      Channel sleeper = client.open(OpenRequest.exec(List.of("sleep", "600"), null, null))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      CompletableFuture<String> sleeperClosed = new CompletableFuture<>();
      sleeper.closeHandler(sleeperClosed::complete);
      proxy.refuse(true);
      proxy.cut();
      assertThat(sleeperClosed.get(30, TimeUnit.SECONDS)).contains("tunnel lost for more than 3 s");
      assertThat(BridgeExec.run(vertx, root.toURL(), token, id, "echo still running").stdout())
          .isEqualTo("still running\n");
    } finally {
      given().header("Authorization", "Bearer " + token).delete("/api/v1/sessions/" + id).then().statusCode(200);
    }
  }

  /** Runs {@code seq 1 1000000} through {@code client}, cutting {@code proxy} three times; every line arrives. */
  private static void runNumberedLinesCutThreeTimes(TunnelSession client, CuttableProxy proxy) throws Exception {
    int lines = 1_000_000;
    Channel job = client.open(OpenRequest.exec(List.of("seq", "1", Integer.toString(lines)), null, null))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    SeqLines out = new SeqLines();
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    job.exitHandler(exit::complete);
    job.closeHandler(reason -> exit.completeExceptionally(new AssertionError("job channel closed: " + reason)));
    job.handler(b -> {
      long before = out.lines();
      out.accept(b);
      for (long at : new long[] {150_000, 450_000, 750_000}) {
        if (before < at && out.lines() >= at) {
          proxy.cut();
        }
      }
    });
    job.end();
    assertThat(exit.get(120, TimeUnit.SECONDS).code()).isZero();
    assertThat(out.error()).isNull();
    assertThat(out.lines()).isEqualTo(lines);
    assertThat(proxy.cuts()).isEqualTo(3);
  }
}
