package dev.cde.bridge.logs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.cde.bridge.home.BridgeHome;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/sessions/{id}/logs} on the whole app: real sessions (stand-in agent), real log files. */
@QuarkusTest
class SessionLogApiTest {
  static final byte[] NOT_UTF8 = {(byte) 0xff, (byte) 0xfe, 0, (byte) 0xc3, '\r', '\n'};

  @Inject
  BridgeHome home;

  @Inject
  SessionLogs logs;

  @Inject
  Vertx vertx;

  @TestHTTPResource("/")
  URI root;

  HttpClient http;

  @BeforeEach
  void client() {
    http = vertx.createHttpClient();
  }

  @AfterEach
  void closeClient() throws Exception {
    http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String token() throws Exception {
    return Files.readString(home.apiToken()).strip();
  }

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + token());
  }

  String newSession() throws Exception {
    return api().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions?wait=true").then()
        .statusCode(201).body("state", equalTo("RUNNING")).extract().path("id");
  }

  void end(String id) throws Exception {
    api().delete("/api/v1/sessions/" + id).then().statusCode(200).body("state", equalTo("ENDED"));
  }

  byte[] get(String id, String query) throws Exception {
    Response r = api().get("/api/v1/sessions/" + id + "/logs" + query);
    r.then().statusCode(200).header("Content-Type", containsString("text/plain"))
        .header("Content-Type", containsString("charset=utf-8"));
    return r.asByteArray();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void theLogComesBackByteForByteAndTailCountsLines() throws Exception {
    String id = newSession();
    try {
      assertThat(get(id, "")).as("no log yet").isEmpty();
      logs.append(id, bytes("one\n"));
      logs.append(id, NOT_UTF8);
      logs.append(id, bytes("three\nfour"));
      byte[] all = concat(bytes("one\n"), NOT_UTF8, bytes("three\nfour"));
      assertThat(get(id, "")).isEqualTo(all);
      assertThat(get(id, "?tail=2")).isEqualTo(bytes("three\nfour"));
      assertThat(get(id, "?tail=3")).isEqualTo(concat(NOT_UTF8, bytes("three\nfour")));
      assertThat(get(id, "?tail=0")).isEmpty();
      assertThat(get(id, "?tail=99")).isEqualTo(all);

      // Many chunks: nothing lost, doubled or reordered at their seams.
      byte[] big = new byte[3 * SessionLogStream.CHUNK + 12345];
      new Random(42).nextBytes(big);
      logs.append(id, big);
      assertThat(get(id, "")).isEqualTo(concat(all, big));
    } finally {
      end(id);
    }
  }

  @Test
  void badRequestsAreProblems() throws Exception {
    String id = newSession();
    try {
      for (String bad : new String[] {"?tail=abc", "?tail=-1", "?tail=1.5", "?follow=maybe"}) {
        api().get("/api/v1/sessions/" + id + "/logs" + bad).then().statusCode(400)
            .contentType("application/problem+json").body("status", equalTo(400))
            .body("detail", containsString(bad.substring(1, bad.indexOf('='))));
      }
    } finally {
      end(id);
    }
    api().get("/api/v1/sessions/s-unknown000/logs").then().statusCode(404).contentType("application/problem+json")
        .body("detail", equalTo("no session s-unknown000"));
    api().get("/api/v1/sessions/s-unknown000/logs?follow=true").then().statusCode(404);
    given().get("/api/v1/sessions/s-unknown000/logs").then().statusCode(401).contentType("application/problem+json");
    given().header("Authorization", "Bearer nope").get("/api/v1/sessions/" + id + "/logs").then().statusCode(401);
  }

  /** A follow that collects what arrives; {@code done} completes when the bridge ends the response. */
  final class Follow {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final HttpClientResponse response;

    Follow(String id, String query) throws Exception {
      RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setHost(root.getHost())
          .setPort(root.getPort()).setURI("/api/v1/sessions/" + id + "/logs" + query)
          .putHeader("Authorization", "Bearer " + token());
      // Headers come at once, before any log output: the test waits for them, not for a first chunk. The handlers
      // are set in the listener of send() itself, which runs as the head arrives: a listener a turn later (compose)
      // may find a short response already ended, and its bytes gone.
      io.vertx.core.Promise<HttpClientResponse> head = io.vertx.core.Promise.promise();
      http.request(req).onFailure(head::fail).onSuccess(request -> request.send().onFailure(head::fail).onSuccess(r -> {
        r.handler(b -> {
          synchronized (received) {
            received.writeBytes(b.getBytes());
          }
        });
        r.endHandler(v -> done.complete(null));
        r.exceptionHandler(done::completeExceptionally);
        head.complete(r);
      }));
      response = head.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    byte[] bytes() {
      synchronized (received) {
        return received.toByteArray();
      }
    }
  }

  @Test
  void followSendsWhatIsAppendedAndFinishesWhenTheSessionEnds() throws Exception {
    String id = newSession();
    Follow f;
    try {
      logs.append(id, bytes("a\nb\n"));
      f = new Follow(id, "?follow=true&tail=1");
      assertThat(f.response.statusCode()).isEqualTo(200);
      assertThat(f.response.getHeader("Content-Type")).contains("text/plain");
      await().atMost(Duration.ofSeconds(10)).until(() -> new String(f.bytes(), StandardCharsets.UTF_8).equals("b\n"));
      assertThat(logs.followers(id)).isEqualTo(1);

      // The tunnel appends on an event loop; the follower must be woken from there.
      vertx.getOrCreateContext().runOnContext(v -> logs.append(id, NOT_UTF8));
      await().atMost(Duration.ofSeconds(10)).until(() -> f.bytes().length == 2 + NOT_UTF8.length);
      assertThat(f.done).isNotDone();
      logs.append(id, bytes("last\n"));
    } finally {
      end(id);
    }
    // Ending the session ends the response, with everything appended before the end flushed.
    f.done.get(10, TimeUnit.SECONDS);
    assertThat(f.bytes()).isEqualTo(concat(bytes("b\n"), NOT_UTF8, bytes("last\n")));
    assertThat(logs.followers(id)).isZero();
  }

  @Test
  void followingASessionWithNoLogYetWaitsForItsFirstOutput() throws Exception {
    String id = newSession();
    Follow f;
    try {
      f = new Follow(id, "?follow=1");
      assertThat(f.response.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> logs.followers(id) == 1);
      assertThat(f.bytes()).as("a session with no log yet: nothing, and waiting").isEmpty();
      logs.append(id, bytes("first\n"));
      await().atMost(Duration.ofSeconds(10)).until(() -> f.bytes().length == 6);
      logs.append(id, NOT_UTF8);
    } finally {
      end(id);
    }
    f.done.get(10, TimeUnit.SECONDS);
    assertThat(f.bytes()).isEqualTo(concat(bytes("first\n"), NOT_UTF8));
    assertThat(logs.followers(id)).isZero();
  }

  @Test
  void followingAnEndedSessionAnswersAtOnce() throws Exception {
    String id = newSession();
    end(id);
    logs.append(id, bytes("late words\n")); // the runner's last bytes may come after the end
    Follow f = new Follow(id, "?follow=true");
    f.done.get(10, TimeUnit.SECONDS);
    assertThat(new String(f.bytes(), StandardCharsets.UTF_8)).isEqualTo("late words\n");
    assertThat(get(id, "?follow=true&tail=0")).isEmpty();
    assertThat(logs.followers(id)).isZero();
  }

  @Test
  void aFollowerThatDisconnectsIsForgotten() throws Exception {
    String id = newSession();
    try {
      logs.append(id, bytes("hello\n"));
      Follow f = new Follow(id, "?follow=true");
      await().atMost(Duration.ofSeconds(10)).until(() -> f.bytes().length == 6);
      assertThat(logs.followers(id)).isEqualTo(1);
      f.response.request().connection().close();
      await().atMost(Duration.ofSeconds(10)).until(() -> logs.followers(id) == 0);
      // Appending after the client left reaches nobody and fails nothing.
      logs.append(id, bytes("to nobody\n"));
      assertThat(get(id, "?tail=1")).isEqualTo(bytes("to nobody\n"));
    } finally {
      end(id);
    }
  }
}
