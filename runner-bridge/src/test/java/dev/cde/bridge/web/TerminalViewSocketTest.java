package dev.cde.bridge.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.cde.bridge.home.BridgeHome;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The read-only terminal WebSocket against a real terminal: the real agent runs {@code sh} in a pty that a client
 * opened through the relay, as {@code cde shell} does, and a viewer watches it.
 */
@QuarkusTest
@TestProfile(DashboardProfile.class)
class TerminalViewSocketTest {
  @Inject
  BridgeHome home;
  @Inject
  Vertx vertx;

  @TestHTTPResource("/")
  URI root;

  @Test
  void aViewerSeesTheTerminalAndCannotTypeIntoIt() throws Exception {
    String token = Files.readString(home.apiToken()).strip();
    String id = given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body("{}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).body("state", equalTo("RUNNING"))
        .extract().path("id");
    HttpClient http = vertx.createHttpClient();
    try (PtyOwner owner = new PtyOwner(vertx, root, token, id)) {
      given().header("Authorization", "Bearer " + token).get("/api/v1/sessions/" + id + "/terminals").then()
          .statusCode(200).body("name", equalTo(List.of("t1"))).body("cols", equalTo(List.of(100)));
      // Not a viewer without the token, nor of a terminal that does not exist.
      given().get("/api/v1/sessions/" + id + "/terminal").then().statusCode(401);
      given().header("Authorization", "Bearer " + token).get("/api/v1/sessions/" + id + "/terminal?name=t9").then()
          .statusCode(404).body("detail", containsString("no open terminal named t9"));

      List<String> events = new CopyOnWriteArrayList<>();
      StringBuffer seen = new StringBuffer();
      int[] closeStatus = {0};
      // Handlers set on the event loop as the socket opens: the bridge writes at once, and unhandled messages are lost.
      // Dialed from that loop, so the listener is in place before the socket completes (a listener added from this
      // thread may come a turn after the bridge's first message).
      io.vertx.core.Promise<WebSocket> opened = io.vertx.core.Promise.promise();
      vertx.getOrCreateContext().runOnContext(x -> http.webSocket(new WebSocketConnectOptions().setHost(root.getHost())
          .setPort(root.getPort()).setURI("/api/v1/sessions/" + id + "/terminal?name=t1")
          .addHeader("Authorization", "Bearer " + token)).onFailure(opened::fail).onSuccess(ws -> {
            ws.binaryMessageHandler(b -> seen.append(b.toString(StandardCharsets.UTF_8)));
            ws.textMessageHandler(events::add);
            ws.closeHandler(v -> closeStatus[0] = ws.closeStatusCode() == null ? -1 : ws.closeStatusCode());
            opened.complete(ws);
          }));
      WebSocket viewer = opened.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(10)).until(() -> seen.toString().contains("read-only"));
      assertThat(events).contains("{\"type\":\"size\",\"cols\":100,\"rows\":30}"); // the owner's size
      // What the viewer sends goes nowhere; what the owner types, the viewer sees.
      viewer.writeTextMessage("echo from-the-viewer\r");
      viewer.writeBinaryMessage(Buffer.buffer("echo from-the-viewer\r"));
      owner.type("echo owner-$((6*7))\r");
      await().atMost(Duration.ofSeconds(20)).until(() -> seen.toString().contains("owner-42"));
      owner.resize(120, 40);
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("{\"type\":\"size\",\"cols\":120,\"rows\":40}"));
      owner.type("exit 3\r");
      await().atMost(Duration.ofSeconds(20)).until(() -> closeStatus[0] != 0);
      assertThat(closeStatus[0]).isEqualTo(1000);
      assertThat(events).anyMatch(e -> e.contains("\"type\":\"exit\"") && e.contains("\"code\":3"));
      assertThat(owner.output()).contains("owner-42").doesNotContain("from-the-viewer");
      assertThat(seen.toString()).doesNotContain("from-the-viewer");
    } finally {
      http.close();
      given().header("Authorization", "Bearer " + token).delete("/api/v1/sessions/" + id).then().statusCode(200);
    }
  }
}
