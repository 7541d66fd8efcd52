package dev.cde.bridge.image;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * function-image/lambda-bootstrap.sh run for real (sh, curl, jq) against WireMock as the Lambda Runtime API, with
 * the shapes of https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html (GET invocation/next with the
 * Lambda-Runtime-Aws-Request-Id header, POST invocation/{id}/response or /error), and a stand-in for the agent that
 * writes the environment it was given.
 */
class LambdaBootstrapIT {
  static final Path SCRIPT = Path.of(System.getProperty("cde.root", "..")).resolve("function-image/lambda-bootstrap.sh");

  @TempDir
  Path tmp;
  WireMockServer runtime;
  Process bootstrap;

  @BeforeEach
  void start() {
    runtime = new WireMockServer(options().dynamicPort());
    runtime.start();
  }

  @AfterEach
  void stop() {
    if (bootstrap != null) {
      bootstrap.destroyForcibly();
    }
    runtime.stop();
  }

  void events(String... bodies) {
    String state = Scenario.STARTED;
    for (int i = 0; i < bodies.length; i++) {
      String next = "event " + (i + 1);
      runtime.stubFor(get("/2018-06-01/runtime/invocation/next").inScenario("events").whenScenarioStateIs(state)
          .willReturn(ok(bodies[i]).withHeader("Lambda-Runtime-Aws-Request-Id", "req-" + (i + 1))
              .withHeader("Lambda-Runtime-Deadline-Ms", "1700000000000"))
          .willSetStateTo(next));
      state = next;
    }
    // then no more events: the loop keeps asking, as on Lambda between invocations
    runtime.stubFor(get("/2018-06-01/runtime/invocation/next").inScenario("events").whenScenarioStateIs(state)
        .willReturn(aResponse().withStatus(500)));
    runtime.stubFor(post(urlEqualTo("/2018-06-01/runtime/invocation/req-1/response")).willReturn(aResponse().withStatus(202)));
    runtime.stubFor(post(urlEqualTo("/2018-06-01/runtime/invocation/req-1/error")).willReturn(aResponse().withStatus(202)));
    runtime.stubFor(post(urlEqualTo("/2018-06-01/runtime/invocation/req-2/response")).willReturn(aResponse().withStatus(202)));
  }

  void run() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of("sh", SCRIPT.toString(), "sh", "-c",
        "env > \"$OUT_DIR/env.$CDE_SESSION_ID\"; exit 7")).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("bootstrap.log").toFile());
    pb.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtime.port());
    pb.environment().put("OUT_DIR", tmp.toString());
    pb.environment().put("AWS_SECRET_ACCESS_KEY", "the-functions-role-key");
    bootstrap = pb.start();
  }

  @Test
  void eachInvocationStartsTheAgentWithTheEventsEnvironmentAndAnswersWhenItExits() throws Exception {
    events("""
        {"sessionId":"s-1","env":{"CDE_SESSION_ID":"s-1","CDE_DIAL_OUT_URL":"wss://bridge.example/api/v1/sessions/s-1/agent",
         "QUOTED":"it's $(touch pwned) `id` \\"x\\"","not a name":"dropped"}}
        """, """
        {"sessionId":"s-2","env":{"CDE_SESSION_ID":"s-2"}}
        """);
    run();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        runtime.verify(postRequestedFor(urlEqualTo("/2018-06-01/runtime/invocation/req-2/response"))));
    runtime.verify(postRequestedFor(urlEqualTo("/2018-06-01/runtime/invocation/req-1/response"))
        .withRequestBody(equalTo("{\"agentExit\":7}")));
    List<String> env = Files.readAllLines(tmp.resolve("env.s-1"));
    assertThat(env).contains("CDE_DIAL_OUT_URL=wss://bridge.example/api/v1/sessions/s-1/agent",
        "QUOTED=it's $(touch pwned) `id` \"x\"");
    assertThat(env).noneMatch(l -> l.startsWith("AWS_SECRET_ACCESS_KEY=") || l.contains("dropped"));
    assertThat(tmp.resolve("pwned")).doesNotExist();
    assertThat(Files.readAllLines(tmp.resolve("env.s-2"))).contains("CDE_SESSION_ID=s-2");
  }

  @Test
  void anEventWithoutAnEnvironmentIsAnsweredWithAnError() throws Exception {
    events("{\"hello\":\"world\"}");
    run();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        runtime.verify(postRequestedFor(urlEqualTo("/2018-06-01/runtime/invocation/req-1/error"))
            .withHeader("Lambda-Runtime-Function-Error-Type", equalTo("Runtime.InvalidEvent"))));
    runtime.verify(0, postRequestedFor(urlEqualTo("/2018-06-01/runtime/invocation/req-1/response")));
  }
}
