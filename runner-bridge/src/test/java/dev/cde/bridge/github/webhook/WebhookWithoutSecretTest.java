package dev.cde.bridge.github.webhook;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Without a secret nothing is accepted, signed or not: an unverifiable delivery could be anyone's. */
@QuarkusTest
@TestProfile(WebhookWithoutSecretTest.NoSecret.class)
class WebhookWithoutSecretTest {
  public static class NoSecret implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      // An empty value is "not set" to SmallRye Config.
      return Map.of("cde.github.webhook.secret", "");
    }
  }

  @Test
  void everyDeliveryIsRefusedWith503() {
    byte[] body = "{\"zen\":\"Keep it logically awesome.\"}".getBytes(StandardCharsets.UTF_8);
    for (String signature : new String[] {null, WebhookSignature.sign("test-webhook-secret-5f2c", body),
        "sha256=" + "0".repeat(64)}) {
      var req = given().contentType("application/json").header("X-GitHub-Event", "ping")
          .header("X-GitHub-Delivery", UUID.randomUUID().toString()).body(body);
      if (signature != null) {
        req = req.header("X-Hub-Signature-256", signature);
      }
      req.post("/github/webhook").then().statusCode(503).contentType("application/problem+json")
          .body("status", equalTo(503)).body("detail", equalTo("webhook secret not configured: set"
              + " cde.github.webhook.secret (CDE_GITHUB_WEBHOOK_SECRET) or cde.github.webhook.secret-file to the"
              + " webhook's secret"));
    }
  }
}
