package dev.cde.bridge.github.runners;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.cde.bridge.github.api.FakeHookDeliveries.LIST;
import static dev.cde.bridge.github.api.FakeHookDeliveries.delivery;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.cde.bridge.github.api.FakeHookDeliveries;
import dev.cde.bridge.github.api.HookDeliveries;
import dev.cde.bridge.github.api.HookDelivery;
import dev.cde.bridge.github.api.OpenApiRequestChecker;
import dev.cde.bridge.github.webhook.DeliveryStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bridge that is a GitHub App asks GitHub again for the {@code workflow_job} webhooks it missed, once each,
 * and forgets old delivery records. GitHub is WireMock serving the App's deliveries as GitHub lists them;
 * every request is checked against GitHub's OpenAPI description.
 */
@QuarkusTest
@TestProfile(FailedDeliveriesRedeliveryTest.AsAnApp.class)
class FailedDeliveriesRedeliveryTest {
  static final String ATTEMPTS = "/app/hook/deliveries/[0-9]+/attempts";

  /** App credentials and no token; the reconciler runs only when the test says so. */
  public static class AsAnApp implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "cde.github.app-id", "4242",
          "cde.github.app-private-key", pkcs8Pem(),
          "cde.github.runners.reconcile-every", "off",
          "cde.github.runners.max-redeliveries-per-pass", "2");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(RealRunnersProfile.FakeGithub.class));
    }

    private static String pkcs8Pem() {
      try {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
            .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Inject
  GithubRunnerReconciler reconciler;
  @Inject
  HookDeliveries hookDeliveries;
  @Inject
  DeliveryStore deliveryStore;
  @Inject
  RunnersConfig config;
  @Inject
  DataSource db;

  final Instant now = Instant.now();

  static WireMockServer github() {
    return RealRunnersProfile.FakeGithub.server;
  }

  static String guid() {
    return UUID.randomUUID().toString();
  }

  Instant ago(Duration d) {
    return now.minus(d);
  }

  static List<String> attemptsAsked() {
    return github().findAll(postRequestedFor(urlPathMatching(ATTEMPTS))).stream().map(LoggedRequest::getUrl).toList();
  }

  @BeforeEach
  void freshGithub() {
    github().resetAll();
  }

  @AfterEach
  void requestsMatchGithubsOpenApi() {
    List<ServeEvent> requests = github().getAllServeEvents();
    assertThat(OpenApiRequestChecker.github().violations(requests))
        .as("requests that GitHub's OpenAPI description does not allow").isEmpty();
  }

  @Test
  void aPassAsksOnceForEachFailedJobDeliveryTheBridgeNeverTookAndTheNextPassForNothing() {
    String ok = guid();
    String repaired = guid();
    String failed = guid();
    String push = guid();
    String timedOut = guid();
    String taken = guid();
    String triedBefore = guid();
    String tooOld = guid();
    deliveryStore.firstDelivery(taken); // the bridge took it, but answered after GitHub's 10 s
    // Two pages, newest first, as GitHub lists them.
    List<List<ObjectNode>> pages = List.of(
        List.of(delivery(10, ok, ago(Duration.ofMinutes(1)), false, 202, "workflow_job", "queued"),
            delivery(9, repaired, ago(Duration.ofMinutes(2)), true, 202, "workflow_job", "queued"),
            delivery(8, failed, ago(Duration.ofMinutes(3)), false, 502, "workflow_job", "in_progress"),
            delivery(7, push, ago(Duration.ofMinutes(4)), false, 500, "push", null)),
        List.of(delivery(6, repaired, ago(Duration.ofMinutes(10)), false, 503, "workflow_job", "queued"),
            delivery(5, timedOut, ago(Duration.ofMinutes(20)), false, 0, "workflow_job", "queued"),
            delivery(4, taken, ago(Duration.ofMinutes(30)), false, 0, "workflow_job", "completed"),
            delivery(3, triedBefore, ago(Duration.ofMinutes(40)), true, 500, "workflow_job", "queued"),
            delivery(2, triedBefore, ago(Duration.ofMinutes(50)), false, 500, "workflow_job", "queued"),
            delivery(1, tooOld, ago(Duration.ofDays(4)), false, 500, "workflow_job", "queued")),
        List.of(delivery(0, guid(), ago(Duration.ofDays(4)), false, 500, "workflow_job", "queued")));
    FakeHookDeliveries.stubPages(github(), pages);

    reconciler.reconcile();

    // The two failed workflow_job deliveries nobody repaired and the bridge never took, oldest first.
    assertThat(attemptsAsked()).containsExactly("/app/hook/deliveries/5/attempts", "/app/hook/deliveries/8/attempts");
    // The second page reached back past GitHub's three days: nothing older was asked for.
    github().verify(0, getRequestedFor(urlEqualTo(LIST + "&cursor=c2")));
    // As the App, with its JWT: no installation token was bought for this.
    github().verify(0, postRequestedFor(urlPathMatching("/app/installations/.*")));
    assertThat(github().findAll(anyRequestedFor(urlPathMatching("/app/hook/.*"))))
        .allSatisfy(r -> assertThat(r.getHeader("Authorization")).startsWith("Bearer eyJ"));

    reconciler.reconcile();
    assertThat(attemptsAsked()).as("a second pass asks for nothing").hasSize(2);

    // GitHub lists the two attempts as redeliveries (one reached the bridge, one failed again). A restarted
    // bridge, which remembers nothing, reads that and asks for nothing either.
    FakeHookDeliveries.stubPages(github(), List.of(
        List.of(delivery(12, failed, now, true, 202, "workflow_job", "in_progress"),
            delivery(11, timedOut, now, true, 0, "workflow_job", "queued")),
        pages.get(0), pages.get(1), pages.get(2)));
    List<HookDelivery> afterRestart = new FailedDeliveryRedeliverer(hookDeliveries, deliveryStore, config)
        .redeliverFailed(ago(GithubRunnerReconciler.GITHUB_KEEPS_DELIVERIES));
    assertThat(afterRestart).isEmpty();
    assertThat(attemptsAsked()).hasSize(2);
  }

  @Test
  void atMostTheConfiguredNumberAreAskedForPerPassOldestFirstTheRestInTheNextPass() {
    String a = guid();
    String b = guid();
    String c = guid();
    FakeHookDeliveries.stubPages(github(), List.of(List.of(
        delivery(23, c, ago(Duration.ofMinutes(1)), false, 500, "workflow_job", "completed"),
        delivery(22, b, ago(Duration.ofMinutes(2)), false, 500, "workflow_job", "in_progress"),
        delivery(21, a, ago(Duration.ofMinutes(3)), false, 500, "workflow_job", "queued"))));
    FailedDeliveryRedeliverer redeliverer = new FailedDeliveryRedeliverer(hookDeliveries, deliveryStore, config);
    Instant since = ago(GithubRunnerReconciler.GITHUB_KEEPS_DELIVERIES);

    assertThat(redeliverer.redeliverFailed(since)).extracting(HookDelivery::id).containsExactly(21L, 22L);
    assertThat(redeliverer.redeliverFailed(since)).extracting(HookDelivery::id).containsExactly(23L);
    assertThat(redeliverer.redeliverFailed(since)).isEmpty();
    assertThat(attemptsAsked()).containsExactly("/app/hook/deliveries/21/attempts",
        "/app/hook/deliveries/22/attempts", "/app/hook/deliveries/23/attempts");
  }

  @Test
  void aRefusedRedeliveryIsLoggedWithGithubsReasonAndNotAskedAgainWhileAGithubFailureIsAskedAgain() {
    String refused = guid();
    String unlucky = guid();
    FakeHookDeliveries.stubPages(github(), List.of(List.of(
        delivery(32, unlucky, ago(Duration.ofMinutes(1)), false, 500, "workflow_job", "queued"),
        delivery(31, refused, ago(Duration.ofMinutes(2)), false, 500, "workflow_job", "queued"))));
    github().stubFor(post(urlEqualTo("/app/hook/deliveries/31/attempts")).willReturn(aResponse().withStatus(422)
        .withHeader("Content-Type", "application/json").withBody(new ObjectMapper().createObjectNode()
            .put("message", "Validation Failed: delivery is too old").toString())));
    // 502 as often as GithubClient tries within one call, then accepted.
    List<String> states = List.of(Scenario.STARTED, "502 again", "502 once more", "up");
    for (int i = 0; i < 3; i++) {
      github().stubFor(post(urlEqualTo("/app/hook/deliveries/32/attempts")).inScenario("flaky")
          .whenScenarioStateIs(states.get(i)).willReturn(aResponse().withStatus(502)).willSetStateTo(states.get(i + 1)));
    }
    github().stubFor(post(urlEqualTo("/app/hook/deliveries/32/attempts")).inScenario("flaky")
        .whenScenarioStateIs("up").willReturn(aResponse().withStatus(202)));
    FailedDeliveryRedeliverer redeliverer = new FailedDeliveryRedeliverer(hookDeliveries, deliveryStore, config);
    Instant since = ago(GithubRunnerReconciler.GITHUB_KEEPS_DELIVERIES);
    List<String> logs = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        logs.add(r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage());
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger logger = Logger.getLogger(FailedDeliveryRedeliverer.class.getName());
    logger.addHandler(capture);
    try {
      // 422: GitHub will not, whatever we do. 502 (after GithubClient's retries): GitHub could not, this time.
      assertThat(redeliverer.redeliverFailed(since)).extracting(HookDelivery::id).containsExactly(31L, 32L);
      assertThat(redeliverer.redeliverFailed(since)).extracting(HookDelivery::id).containsExactly(32L);
      assertThat(redeliverer.redeliverFailed(since)).isEmpty();
    } finally {
      logger.removeHandler(capture);
    }

    assertThat(attemptsAsked()).containsExactly("/app/hook/deliveries/31/attempts",
        "/app/hook/deliveries/32/attempts", "/app/hook/deliveries/32/attempts", "/app/hook/deliveries/32/attempts",
        "/app/hook/deliveries/32/attempts");
    assertThat(logs).anySatisfy(l -> assertThat(l).contains(refused).contains("422")
        .contains("Validation Failed: delivery is too old"));
    assertThat(logs).anySatisfy(l -> assertThat(l).contains(unlucky).contains("502"));
    assertThat(logs).noneMatch(l -> l.contains("eyJ"));
  }

  @Test
  void aPassForgetsDeliveriesOlderThanTheRetention() {
    FakeHookDeliveries.stubPages(github(), List.of(List.of()));
    String old = guid();
    String recent = guid();
    long job = Math.abs(UUID.randomUUID().getMostSignificantBits());
    DeliveryStore fifteenDaysAgo = new DeliveryStore(db, Clock.fixed(ago(Duration.ofDays(15)), ZoneOffset.UTC));
    DeliveryStore fourDaysAgo = new DeliveryStore(db, Clock.fixed(ago(Duration.ofDays(4)), ZoneOffset.UTC));
    fifteenDaysAgo.firstDelivery(old);
    fifteenDaysAgo.firstJobEvent(job, 1, "queued");
    fourDaysAgo.firstDelivery(recent);
    fourDaysAgo.firstJobEvent(job, 1, "completed");
    assertThat(config.deliveryRetention()).isEqualTo(Duration.ofDays(14));

    reconciler.reconcile();

    assertThat(deliveryStore.processed(old)).isFalse();
    assertThat(deliveryStore.processed(recent)).isTrue();
    assertThat(deliveryStore.firstJobEvent(job, 1, "queued")).as("pruned, so new again").isTrue();
    assertThat(deliveryStore.firstJobEvent(job, 1, "completed")).as("kept").isFalse();
  }

  @Test
  void pruneOlderThanRemovesExactlyTheRowsReceivedBeforeTheCutoff() {
    Instant cutoff = Instant.parse("2001-01-01T00:00:00Z");
    String before = guid();
    String atCutoff = guid();
    new DeliveryStore(db, Clock.fixed(cutoff.minusSeconds(1), ZoneOffset.UTC)).firstDelivery(before);
    new DeliveryStore(db, Clock.fixed(cutoff, ZoneOffset.UTC)).firstDelivery(atCutoff);

    assertThat(deliveryStore.pruneOlderThan(cutoff)).isEqualTo(1);

    assertThat(deliveryStore.processed(before)).isFalse();
    assertThat(deliveryStore.processed(atCutoff)).isTrue();
    assertThat(deliveryStore.pruneOlderThan(cutoff)).as("idempotent").isZero();
  }
}
