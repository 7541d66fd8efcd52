package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rate limits and server errors, on the call that matters most: generate-jitconfig. */
class GithubClientBackoffTest {
  private static final String JIT = JitConfigClientTest.JIT_PATH;
  private final GithubFixture gh = new GithubFixture();
  private final JitConfigClient jit = gh.api(TestGithubConfig.withToken(gh.url(), "ghp_test")).jit();

  @AfterEach
  void close() {
    gh.close();
  }

  /** The first {@code failures.length} calls fail as given, then GitHub creates the runner. */
  private void failThenSucceed(ResponseDefinitionBuilder... failures) {
    String state = STARTED;
    for (int i = 0; i < failures.length; i++) {
      gh.server.stubFor(post(urlEqualTo(JIT)).inScenario("s").whenScenarioStateIs(state)
          .willReturn(failures[i]).willSetStateTo("after " + i));
      state = "after " + i;
    }
    gh.server.stubFor(post(urlEqualTo(JIT)).inScenario("s").whenScenarioStateIs(state)
        .willReturn(JitConfigClientTest.created()));
  }

  private JitRunner generate() {
    return jit.generate("octo", "hello", "cde-4711-1", List.of("cde-serverless"));
  }

  private static ResponseDefinitionBuilder limited(int status) {
    return JitConfigClientTest.error(status, "You have exceeded a secondary rate limit");
  }

  @Test
  void forbiddenWithRetryAfterWaitsThatLongThenRetries() {
    failThenSucceed(limited(403).withHeader("Retry-After", "1"));
    assertThat(generate().runnerId()).isEqualTo(23);
    assertThat(gh.sleeps).containsExactly(Duration.ofSeconds(1));
    gh.server.verify(2, postRequestedFor(urlEqualTo(JIT)));
  }

  @Test
  void exhaustedPrimaryLimitWaitsUntilResetButAtMostAMinute() {
    long now = gh.clock.instant().getEpochSecond();
    failThenSucceed(
        limited(403).withHeader("x-ratelimit-remaining", "0").withHeader("x-ratelimit-reset", String.valueOf(now + 20)),
        limited(403).withHeader("x-ratelimit-remaining", "0").withHeader("x-ratelimit-reset", String.valueOf(now + 3600)));
    assertThat(generate().runnerId()).isEqualTo(23);
    assertThat(gh.sleeps).containsExactly(Duration.ofSeconds(20), Duration.ofSeconds(60));
  }

  @Test
  void tooManyRequestsHonoursRetryAfterOrWaitsAMinute() {
    failThenSucceed(limited(429).withHeader("Retry-After", "5"), limited(429));
    assertThat(generate().runnerId()).isEqualTo(23);
    assertThat(gh.sleeps).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(60));
  }

  @Test
  void rateLimitGivesUpAfterThreeRetries() {
    gh.server.stubFor(post(urlEqualTo(JIT)).willReturn(limited(429).withHeader("Retry-After", "1")));
    assertThatThrownBy(this::generate)
        .isInstanceOfSatisfying(GithubApiException.class, e -> assertThat(e.githubStatus()).isEqualTo(429))
        .hasMessageContaining("secondary rate limit");
    assertThat(gh.sleeps).hasSize(3);
    gh.server.verify(4, postRequestedFor(urlEqualTo(JIT)));
  }

  @Test
  void forbiddenWithoutRateLimitHeadersIsAPermissionErrorAndNotRetried() {
    gh.server.stubFor(post(urlEqualTo(JIT)).willReturn(JitConfigClientTest.error(403, "Resource not accessible by integration")));
    assertThatThrownBy(this::generate).hasMessage("GitHub answered 403: Resource not accessible by integration");
    assertThat(gh.sleeps).isEmpty();
  }

  @Test
  void serverErrorsAreRetriedWithExponentialBackoff() {
    failThenSucceed(aResponse().withStatus(502), aResponse().withStatus(503));
    assertThat(generate().runnerId()).isEqualTo(23);
    assertThat(gh.sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @Test
  void serverErrorsGiveUpAfterThreeTries() {
    gh.server.stubFor(post(urlEqualTo(JIT)).willReturn(JitConfigClientTest.error(500, "Server Error")));
    assertThatThrownBy(this::generate)
        .isInstanceOfSatisfying(GithubApiException.class, e -> assertThat(e.githubStatus()).isEqualTo(500));
    gh.server.verify(3, postRequestedFor(urlEqualTo(JIT)));
  }
}
