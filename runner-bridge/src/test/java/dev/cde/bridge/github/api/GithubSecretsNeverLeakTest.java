package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The installation token, the App's key, its JWT and the JIT config never reach a log, an exception or toString. */
class GithubSecretsNeverLeakTest {
  private static final String TOKEN = "ghs_LEAKCHECKinstallationToken0123";
  private static final String JIT_CONFIG = "JITSECRETeyJ0aGlzIjoiaXMgYSBjcmVkZW50aWFsIn0";
  private static final String JIT = JitConfigClientTest.JIT_PATH;

  private final GithubFixture gh = new GithubFixture();
  private final Logger logger = Logger.getLogger("dev.cde.bridge.github.api");
  private final List<String> logs = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      String text = r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : new SimpleFormatter().formatMessage(r);
      logs.add(text + (r.getThrown() == null ? "" : " " + r.getThrown()));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  private Level previous;

  @BeforeEach
  void captureLogs() {
    previous = logger.getLevel();
    logger.setLevel(Level.ALL);
    logger.addHandler(capture);
  }

  @AfterEach
  void close() {
    logger.removeHandler(capture);
    logger.setLevel(previous);
    gh.close();
  }

  @Test
  void noSecretInLogsExceptionsOrToString() {
    gh.server.stubFor(get(urlEqualTo("/repos/octo/hello/installation")).willReturn(okJson("{\"id\":42}")));
    gh.server.stubFor(post(urlEqualTo("/app/installations/42/access_tokens")).willReturn(aResponse().withStatus(201)
        .withHeader("Content-Type", "application/json").withBody("{\"token\":\"" + TOKEN + "\",\"expires_at\":\""
            + gh.clock.instant().plus(Duration.ofHours(1)) + "\"}")));
    // 429 with Retry-After, then 409 (offline leftover), then created: every logging path runs.
    gh.server.stubFor(post(urlEqualTo(JIT)).inScenario("s").whenScenarioStateIs(STARTED)
        .willReturn(JitConfigClientTest.error(429, "slow down").withHeader("Retry-After", "1")).willSetStateTo("409"));
    gh.server.stubFor(post(urlEqualTo(JIT)).inScenario("s").whenScenarioStateIs("409")
        .willReturn(JitConfigClientTest.error(409, "Already exists")).willSetStateTo("ok"));
    gh.server.stubFor(post(urlEqualTo(JIT)).inScenario("s").whenScenarioStateIs("ok")
        .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody(
            "{\"runner\":{\"id\":23,\"name\":\"cde-1\"},\"encoded_jit_config\":\"" + JIT_CONFIG + "\"}")));
    gh.server.stubFor(get(urlPathEqualTo("/repos/octo/hello/actions/runners")).willReturn(okJson(
        "{\"total_count\":1,\"runners\":[{\"id\":99,\"name\":\"cde-1\",\"status\":\"offline\",\"busy\":false}]}")));
    gh.server.stubFor(delete(urlEqualTo("/repos/octo/hello/actions/runners/99")).willReturn(aResponse().withStatus(204)));
    // An error that echoes the bearer back must not carry it on.
    gh.server.stubFor(delete(urlEqualTo("/repos/octo/hello/actions/runners/23"))
        .willReturn(JitConfigClientTest.error(401, "Bad credentials: " + TOKEN)));

    String pem = GithubFixture.pkcs1Pem();
    GithubFixture.Api api = gh.api(TestGithubConfig.withApp(gh.url(), 123, pem));
    JitRunner runner = api.jit().generate("octo", "hello", "cde-1", List.of("cde-serverless"));
    Throwable failure = catchThrowable(() -> api.registry().remove("octo", "hello", 23));

    assertThat(runner.encodedJitConfig()).isEqualTo(JIT_CONFIG);
    assertThat(failure).isInstanceOf(GithubApiException.class).hasMessageContaining("Bad credentials");
    assertThat(logs).as("the capture works").anySatisfy(l -> assertThat(l).contains("retrying in 1 s"))
        .anySatisfy(l -> assertThat(l).contains("offline runner 99"));

    String jwt = gh.server.findAll(getRequestedFor(urlEqualTo("/repos/octo/hello/installation"))).get(0)
        .getHeader("Authorization").substring("Bearer ".length());
    String keyBody = pem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    List<String> seen = new ArrayList<>(logs);
    seen.add(failure.getMessage());
    seen.add(String.valueOf(failure));
    seen.add(runner.toString());
    seen.add(api.credentials().toString());
    for (String text : seen) {
      assertThat(text).doesNotContain(TOKEN).doesNotContain(JIT_CONFIG).doesNotContain(jwt).doesNotContain(keyBody);
    }
    assertThat(runner.toString()).isEqualTo("JitRunner[runnerId=23, name=cde-1, encodedJitConfig=***]");
  }
}
