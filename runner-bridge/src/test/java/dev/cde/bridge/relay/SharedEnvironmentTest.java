package dev.cde.bridge.relay;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.SessionEnvHeader;
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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A provider whose instances share one deployed environment (Function Compute, Cloud Run), played by the local
 * provider with the real agent started with only what the operator deploys: the session's own variables reach the
 * job's processes through the bridge's first connection, and that connection binds the agent to its session, so a
 * token of another session is refused as it is where the variables are the agent's own.
 */
@QuarkusTest
@TestProfile(SharedEnvironmentTest.SharedEnvProfile.class)
class SharedEnvironmentTest {
  @Inject
  BridgeHome home;
  @Inject
  Vertx vertx;
  @Inject
  SigningKeys keys;

  @TestHTTPResource("/")
  URL base;

  public static class SharedEnvProfile extends DialOutProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> config = new HashMap<>(super.getConfigOverrides());
      config.put("cde.local.dial-out", "false");
      config.put("cde.provider.name", "shared-env-local");
      return config;
    }
  }

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip());
  }

  @Test
  void theSessionsVariablesTravelWithTheTunnelAndBindTheAgentToIt() throws Exception {
    JsonPath s = api().contentType(ContentType.JSON).body("{\"cpu\":1,\"memory\":\"512m\",\"maxDuration\":\"10m\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().jsonPath();
    String id = s.getString("id");
    assertThat(s.getString("state")).as(s.prettify()).isEqualTo("RUNNING");
    String apiToken = Files.readString(home.apiToken()).strip();
    try {
      BridgeExec.Result r = BridgeExec.run(vertx, base, apiToken, id,
          "echo life:$CDE_MAX_LIFETIME_SECONDS nix:${CDE_NIX_PUSH_URL:+set} id:${CDE_SESSION_ID:-hidden}");
      // what the broker gives every agent reached this one's processes, though its own environment lacked it
      assertThat(r.stdout()).isEqualTo("life:660 nix:set id:hidden\n");
      assertThat(Files.readString(home.instances().resolve(id + ".agent.log")))
          .contains("serving session " + id + " (")
          .doesNotContain(TunnelTokens.issue(keys.privateKey(), id, Duration.ofMinutes(1)).substring(0, 20));

      URI agent = URI.create(s.getString("endpoint"));
      // bound: another session's token is refused, as with CDE_SESSION_ID
      assertThat(dial(agent, TunnelTokens.issue(keys.privateKey(), "s-other000000", Duration.ofMinutes(1)), null))
          .isEqualTo(401);
      // and a second connection of the same session cannot change the variables
      assertThat(dial(agent, TunnelTokens.issue(keys.privateKey(), id, Duration.ofMinutes(1)),
          SessionEnvHeader.encode(Map.of("CDE_MAX_LIFETIME_SECONDS", "1")))).isEqualTo(101);
      assertThat(BridgeExec.run(vertx, base, apiToken, id, "echo life:$CDE_MAX_LIFETIME_SECONDS").stdout())
          .isEqualTo("life:660\n");
    } finally {
      api().delete("/api/v1/sessions/" + id).then().statusCode(200);
    }
  }

  /** Connects to the agent as the bridge would; 101 when it was let in, else the status of the refusal. */
  private int dial(URI agent, String token, String env) throws Exception {
    Map<String, String> headers = new HashMap<>(Map.of("Authorization", "Bearer " + token));
    if (env != null) {
      headers.put(SessionEnvHeader.NAME, env);
    }
    try {
      TunnelClient.connect(vertx, TunnelClient.httpClient(vertx), agent, headers, Hello.of("bridge", "test"),
          new TunnelOptions()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
          .fail(dev.cde.tunnel.codec.ErrorCode.SHUTDOWN, "test done"); // not a graceful close: that ends the session
      return 101;
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(TunnelRejectedException.class);
      return ((TunnelRejectedException) e.getCause()).status();
    }
  }
}
