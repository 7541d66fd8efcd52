package dev.cde.bridge.provider.cloudrun;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.provider.CapturedLogs;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cloud-run provider's own behaviour against WireMock as Google ({@link FakeCloudRun}). */
class CloudRunProviderTest {
  static final String KEY = "MCowBQYDK2VwAyEAexample";
  @TempDir
  Path tmp;
  FakeCloudRun google;
  CapturedLogs logs;

  @BeforeEach
  void start() throws Exception {
    google = new FakeCloudRun();
    google.services(KEY);
    logs = new CapturedLogs();
  }

  @AfterEach
  void stop() {
    logs.close();
    google.close();
  }

  static LaunchRequest session(InstanceSpec spec) {
    return new LaunchRequest("s-run0000001", spec, Map.of("CDE_AGENT_PUBLIC_KEY", KEY, "CDE_SESSION_ID", "s-run0000001"));
  }

  @Test
  void aServiceAccountKeyBuysATokenWithAnRs256AssertionAndTheTokenIsReused() throws Exception {
    CloudRunProvider provider = google.provider(Map.of("GOOGLE_APPLICATION_CREDENTIALS", google.keyFile(tmp).toString()));
    assertThat(provider.launch(session(new InstanceSpec("default", 2, 4096, null, 0, 3600))).tunnelEndpoint().toString())
        .as("the first service that fits, in the configured order").isEqualTo("wss://cde-cpu-abcdefghij-uc.a.run.app/tunnel");
    provider.launch(session(new InstanceSpec("default", 2, 4096, null, 0, 600)));

    google.server.verify(1, postRequestedFor(urlEqualTo("/token")));
    google.server.verify(2, getRequestedFor(urlEqualTo(FakeCloudRun.PATH + "cde-cpu"))
        .withHeader("Authorization", equalTo("Bearer " + FakeCloudRun.ACCESS_TOKEN)));
    String form = google.server.findAll(postRequestedFor(urlEqualTo("/token"))).get(0).getBodyAsString();
    Map<String, String> fields = new java.util.HashMap<>();
    for (String kv : form.split("&")) {
      String[] p = kv.split("=", 2);
      fields.put(p[0], URLDecoder.decode(p[1], StandardCharsets.UTF_8));
    }
    assertThat(fields.get("grant_type")).isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
    JwtClaims claims = new JwtConsumerBuilder().setVerificationKey(google.serviceAccountKey.getPublic())
        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
        .setExpectedAudience(google.server.baseUrl() + "/token").setRequireExpirationTime().build()
        .processToClaims(fields.get("assertion"));
    assertThat(claims.getIssuer()).isEqualTo("cde-bridge@cde-project.iam.gserviceaccount.com");
    assertThat(claims.getClaimValueAsString("scope")).isEqualTo("https://www.googleapis.com/auth/cloud-platform");
    assertThat(claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue()).isEqualTo(3600);
    assertThat(logs.text()).contains("s-run0000001").doesNotContain(FakeCloudRun.ACCESS_TOKEN, "PRIVATE KEY");
  }

  @Test
  void withoutAKeyFileTheMetadataServerGivesTheToken() throws Exception {
    google.provider(Map.of()).launch(session(new InstanceSpec("default", 4, 16_384, "l4", 1, 3600)));
    google.server.verify(getRequestedFor(urlEqualTo("/computeMetadata/v1/instance/service-accounts/default/token"))
        .withHeader("Metadata-Flavor", equalTo("Google")));
    google.server.verify(getRequestedFor(urlEqualTo(FakeCloudRun.PATH + "cde-l4")));
  }

  @Test
  void whenNoServiceFitsEachOneSaysWhy() {
    CloudRunProvider provider = google.provider(Map.of());
    assertThatThrownBy(() -> provider.launch(session(new InstanceSpec("default", 8, 40_000, null, 0, 600))))
        .hasMessageContaining("memory 40000 MiB is over its limit of 32768 MiB");
    assertThatThrownBy(() -> provider.launch(new LaunchRequest("s-run0000002", new InstanceSpec("default", 4, 8192, null, 0, 600),
        Map.of("CDE_AGENT_PUBLIC_KEY", "another-bridges-key"))))
        .hasMessageContaining("no Cloud Run service can carry this session")
        .hasMessageContaining("cde-cpu: its CDE_AGENT_PUBLIC_KEY is not this bridge's public key");
    google.server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(FakeCloudRun.PATH + "cde-l4").willReturn(
        com.github.tomakehurst.wiremock.client.WireMock.okJson(FakeCloudRun.service("cde-l4", "8", "32Gi", "1", KEY)
            .replace("\"timeout\":\"3600s\"", "\"timeout\":\"900s\"").replace("\"maxInstanceRequestConcurrency\":1",
                "\"maxInstanceRequestConcurrency\":80"))));
    assertThatThrownBy(() -> provider.launch(session(new InstanceSpec("default", 4, 16_384, "l4", 1, 1800))))
        .hasMessageContaining("cde-cpu: it has 8192 MiB, the session asks 16384; it has no GPU, the session asks l4:1")
        .hasMessageContaining("cde-l4: it serves 80 requests per instance")
        .hasMessageContaining("its request timeout is 900 s, the session may last 1800 s");
  }

  @Test
  void quantitiesAndDurationsReadAsTheApiWritesThem() {
    assertThat(ServiceFit.quantity("16Gi")).isEqualTo(16.0 * (1L << 30));
    assertThat(ServiceFit.quantity("512Mi")).isEqualTo(512.0 * (1L << 20));
    assertThat(ServiceFit.quantity("1000m")).isEqualTo(1.0);
    assertThat(ServiceFit.quantity("2G")).isEqualTo(2e9);
    assertThat(ServiceFit.seconds("3600s")).isEqualTo(3600);
  }
}
