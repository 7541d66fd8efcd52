package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.cde.bridge.github.api.FakeHookDeliveries.LIST;
import static dev.cde.bridge.github.api.FakeHookDeliveries.delivery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The App's webhook deliveries: read page by page with the App's JWT, redelivered on request. */
class HookDeliveriesTest {
  private final GithubFixture gh = new GithubFixture();

  @AfterEach
  void close() {
    gh.close();
  }

  private HookDeliveries deliveries(GithubConfig config) {
    GithubClient client = new GithubClient(config.apiUrl(), gh.clock, gh.sleeps::add);
    return new HookDeliveries(client, new GithubCredentials(config, client, gh.clock));
  }

  private Instant ago(Duration d) {
    return gh.clock.instant().minus(d);
  }

  @Test
  void pagesAreReadByCursorWithTheAppsJwtUntilTheyReachBackBeforeSince() throws Exception {
    FakeHookDeliveries.stubPages(gh.server, List.of(
        List.of(delivery(4, "g4", ago(Duration.ofMinutes(1)), false, 200, "workflow_job", "queued"),
            delivery(3, "g3", ago(Duration.ofMinutes(2)), true, 0, "workflow_job", "completed")),
        List.of(delivery(2, "g2", ago(Duration.ofHours(1)), false, 502, "push", null),
            delivery(1, "g1", ago(Duration.ofDays(2)), false, 200, "workflow_job", "queued")),
        List.of(delivery(0, "g0", ago(Duration.ofDays(2)), false, 500, "workflow_job", "queued"))));
    HookDeliveries deliveries = deliveries(TestGithubConfig.withApp(gh.url(), 123, GithubFixture.pkcs1Pem()));

    List<HookDelivery> listed = deliveries.since(ago(Duration.ofDays(1)));

    assertThat(listed).containsExactly(
        new HookDelivery(4, "g4", ago(Duration.ofMinutes(1)), false, 200, "OK", "workflow_job", "queued"),
        new HookDelivery(3, "g3", ago(Duration.ofMinutes(2)), true, 0, "timed out", "workflow_job", "completed"),
        new HookDelivery(2, "g2", ago(Duration.ofHours(1)), false, 502, "Invalid HTTP Response: 502", "push", null));
    assertThat(listed.get(0).succeeded()).isTrue();
    assertThat(listed.get(1).succeeded()).isFalse();
    // The second page reached back past `since`: its next link is not followed.
    gh.server.verify(1, getRequestedFor(urlEqualTo(LIST)));
    gh.server.verify(1, getRequestedFor(urlEqualTo(LIST + "&cursor=c1")));
    gh.server.verify(0, getRequestedFor(urlEqualTo(LIST + "&cursor=c2")));
    // As the App (its JWT), never as an installation: no installation token was bought.
    gh.server.verify(0, anyRequestedFor(urlPathMatching("/(app/installations|repos)/.*")));
    for (LoggedRequest r : gh.server.findAll(getRequestedFor(urlPathMatching("/app/hook/deliveries")))) {
      new JwtConsumerBuilder().setVerificationKey(GithubFixture.APP_KEY.getPublic())
          .setEvaluationTime(NumericDate.fromSeconds(gh.clock.instant().getEpochSecond())).setExpectedIssuer("123")
          .build().processToClaims(r.getHeader("Authorization").substring("Bearer ".length()));
    }
  }

  @Test
  void aRedeliveryIsOnePostOfAnAttempt() {
    FakeHookDeliveries.stubPages(gh.server, List.of(List.of()));
    deliveries(TestGithubConfig.withApp(gh.url(), 123, GithubFixture.pkcs8Pem())).redeliver(12345678901L);

    gh.server.verify(1, postRequestedFor(urlEqualTo("/app/hook/deliveries/12345678901/attempts")));
  }

  @Test
  void aNextLinkToAnotherHostIsNotFollowed() {
    ArrayNode page = new ObjectMapper().createArrayNode()
        .add(delivery(1, "g1", ago(Duration.ofMinutes(1)), false, 500, "workflow_job", "queued"));
    gh.server.stubFor(get(urlEqualTo(LIST)).willReturn(okJson(page.toString())
        .withHeader("Link", "<https://elsewhere.example/app/hook/deliveries?cursor=x>; rel=\"next\"")));
    HookDeliveries deliveries = deliveries(TestGithubConfig.withApp(gh.url(), 123, GithubFixture.pkcs1Pem()));

    assertThatThrownBy(() -> deliveries.since(ago(Duration.ofDays(1)))).isInstanceOf(GithubApiException.class)
        .hasMessageContaining("leaves " + gh.url());
  }

  @Test
  void withATokenTheAppsDeliveriesAreNotAvailableAndNothingIsAsked() {
    HookDeliveries deliveries = deliveries(TestGithubConfig.withToken(gh.url(), "ghp_notAnApp"));

    assertThat(deliveries.available()).isFalse();
    assertThatThrownBy(() -> deliveries.since(ago(Duration.ofDays(1)))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> deliveries.redeliver(1)).isInstanceOf(IllegalStateException.class);
    gh.server.verify(0, anyRequestedFor(anyUrl()));
  }
}
