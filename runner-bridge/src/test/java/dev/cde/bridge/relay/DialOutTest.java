package dev.cde.bridge.relay;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelRejectedException;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.message.Hello;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dial-out path end to end: the local provider starts the real agent with {@code CDE_DIAL_OUT_URL}, the agent
 * dials this bridge with its session's dial token, and a command runs in it through the bridge's tunnel exactly as
 * it would through a tunnel the bridge dialed.
 */
@QuarkusTest
@TestProfile(DialOutProfile.class)
class DialOutTest {
  @Inject
  BridgeHome home;
  @Inject
  Vertx vertx;
  @Inject
  SigningKeys keys;

  @TestHTTPResource("/")
  URL base;

  String apiToken() throws Exception {
    return Files.readString(home.apiToken()).strip();
  }

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + apiToken());
  }

  @Test
  void aCommandRunsInAnAgentThatDialedTheBridge() throws Exception {
    JsonPath s = api().contentType(ContentType.JSON).body("{\"cpu\":1,\"memory\":\"512m\",\"maxDuration\":\"10m\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().jsonPath();
    String id = s.getString("id");
    assertThat(s.getString("state")).as(s.prettify()).isEqualTo("RUNNING");
    assertThat(s.getString("endpoint")).isEqualTo("dial-out:" + id);
    assertThat(s.getInt("agent.cpus")).isEqualTo(Runtime.getRuntime().availableProcessors());

    BridgeExec.Result r = BridgeExec.run(vertx, base, apiToken(), id,
        "echo hello from a dialing agent; echo token:${CDE_AGENT_DIAL_TOKEN:-hidden}; exit 3");
    assertThat(r.stdout()).isEqualTo("hello from a dialing agent\ntoken:hidden\n");
    assertThat(r.exit().code()).isEqualTo(3);
    assertThat(Files.readString(home.instances().resolve(id + ".agent.log")))
        .contains("dialing out to 127.0.0.1", "tunnel to the bridge at 127.0.0.1 open");

    api().delete("/api/v1/sessions/" + id).then().statusCode(200);
    assertThat(api().get("/api/v1/sessions/" + id).then().extract().<String>path("state")).isEqualTo("ENDED");
  }

  @Test
  void aDialIsRefusedWithoutTheSessionsDialToken() throws Exception {
    String id = api().contentType(ContentType.JSON).body("{\"cpu\":1,\"memory\":\"512m\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().path("id");
    try {
      assertThat(dial(id, null)).isEqualTo(401);
      // the API token is not a dial token, nor is a token the agent itself would accept
      assertThat(dial(id, apiToken())).isEqualTo(401);
      assertThat(dial(id, TunnelTokens.issue(keys.privateKey(), id, Duration.ofMinutes(1)))).isEqualTo(401);
      String other = TunnelTokens.issue(keys.privateKey(), AgentLinks.DIAL_AUDIENCE, "s-other000000", Duration.ofMinutes(1));
      assertThat(dial(id, other)).isEqualTo(401);
      // a dial for a session that is not live: its agent has nothing to serve and is told so
      String unknown = TunnelTokens.issue(keys.privateKey(), AgentLinks.DIAL_AUDIENCE, "s-unknown0000", Duration.ofMinutes(1));
      assertThat(dial("s-unknown0000", unknown)).isEqualTo(404);
      // the refusals did not disturb the live agent's tunnel
      assertThat(BridgeExec.run(vertx, base, apiToken(), id, "echo still here").stdout()).isEqualTo("still here\n");
    } finally {
      api().delete("/api/v1/sessions/" + id).then().statusCode(200);
    }
    String ended = TunnelTokens.issue(keys.privateKey(), AgentLinks.DIAL_AUDIENCE, id, Duration.ofMinutes(1));
    assertThat(dial(id, ended)).isEqualTo(404);
  }

  /** Dials the agent route as an agent would; returns the HTTP status of the refusal. */
  private int dial(String sessionId, String token) throws Exception {
    URI ws = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/api/v1/sessions/" + sessionId + "/agent");
    Map<String, String> headers = token == null ? Map.of() : Map.of("Authorization", "Bearer " + token);
    try {
      TunnelClient.connect(vertx, TunnelClient.httpClient(vertx), ws, headers, Hello.of("agent", "impostor"),
          new TunnelOptions(), false).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
          .close("should not have connected");
      return 101;
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(TunnelRejectedException.class);
      return ((TunnelRejectedException) e.getCause()).status();
    }
  }
}
