package dev.cde.bridge.provider.aliyunfc;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.cde.bridge.provider.CapturedLogs;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The aliyun-fc provider's own behaviour against WireMock as the FC 3.0 API ({@link FakeFunctionCompute}). */
class FcProviderTest {
  static final String IMAGE = "registry.cn-hangzhou.aliyuncs.com/cde/cde-function:2";
  FakeFunctionCompute fc;
  CapturedLogs logs;

  @BeforeEach
  void start() {
    fc = new FakeFunctionCompute();
    logs = new CapturedLogs();
  }

  @AfterEach
  void stop() {
    logs.close();
    fc.close();
  }

  static LaunchRequest session(InstanceSpec spec) {
    return new LaunchRequest("s-fc00000001", spec, Map.of("CDE_AGENT_PUBLIC_KEY", "MCowBQYDK2VwAyEAexample",
        "CDE_SESSION_ID", "s-fc00000001", "CDE_IDLE_TIMEOUT_SECONDS", "600", "CDE_CACHE_TOKEN", "per-session-secret"));
  }

  /**
   * Every request carries a valid ACS3-HMAC-SHA256 signature: recomputed here from the request as WireMock received
   * it, following the steps of https://help.aliyun.com/en/functioncompute/fc/developer-reference/signature-mechanism
   * (canonical request over the signed headers as sent, hex SHA-256, hex HMAC-SHA256 with the secret).
   */
  @Test
  void everyCallIsSignedWithAcs3AndNoSecretIsLogged() throws Exception {
    fc.provider(Optional.of(IMAGE)).launch(session(new InstanceSpec("default", 1, 2048, null, 0, 600)));
    List<LoggedRequest> requests = fc.requests();
    assertThat(requests).extracting(r -> r.getMethod().getName() + " " + r.getUrl()).containsExactly(
        "GET /2023-03-30/functions/cde-c100-m2048", "POST /2023-03-30/functions",
        "GET /2023-03-30/functions/cde-c100-m2048/triggers/cde-http", "POST /2023-03-30/functions/cde-c100-m2048/triggers");
    for (LoggedRequest r : requests) {
      assertThat(r.getHeader("x-acs-version")).isEqualTo("2023-03-30");
      assertThat(r.getHeader("x-acs-security-token")).isEqualTo(FakeFunctionCompute.STS_TOKEN);
      assertThat(r.getHeader("x-acs-content-sha256")).isEqualTo(sha256(r.getBodyAsString()));
      Matcher m = Pattern.compile("ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})")
          .matcher(r.getHeader("Authorization"));
      assertThat(m.matches()).as(r.getHeader("Authorization")).isTrue();
      assertThat(m.group(1)).isEqualTo(FakeFunctionCompute.KEY_ID);
      assertThat(m.group(2).split(";")).contains("host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce",
          "x-acs-content-sha256", "x-acs-version");
      TreeMap<String, String> signed = new TreeMap<>();
      for (String h : m.group(2).split(";")) {
        // WireMock keeps Host apart from the other headers; java.net.http sent it from the URI
        String value = h.equals("host") ? r.getHost() + ":" + r.getPort() : r.getHeader(h);
        signed.put(h, java.util.Objects.requireNonNull(value, () -> h + " was signed but not sent").strip());
      }
      StringBuilder canonical = new StringBuilder(r.getMethod().getName()).append('\n').append(r.getUrl()).append("\n\n");
      signed.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
      canonical.append('\n').append(m.group(2)).append('\n').append(sha256(r.getBodyAsString()));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(FakeFunctionCompute.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String expected = HexFormat.of().formatHex(mac.doFinal(("ACS3-HMAC-SHA256\n" + sha256(canonical.toString()))
          .getBytes(StandardCharsets.UTF_8)));
      assertThat(m.group(3)).as("signature of " + r.getUrl()).isEqualTo(expected);
    }
    assertThat(sha256("")).as("the empty body's hash (a known value)")
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    String everything = logs.text() + requests.stream().map(r -> r.getBodyAsString()).reduce("", String::concat);
    assertThat(everything).doesNotContain(FakeFunctionCompute.SECRET, "per-session-secret");
    assertThat(logs.text()).doesNotContain(FakeFunctionCompute.STS_TOKEN).contains("created function cde-c100-m2048");
  }

  @Test
  void aFunctionOfTheShapeIsReusedAndUpdatedWhenItsImageChanged() throws Exception {
    ObjectNode body = FcFunctions.body(FcFunctions.Shape.of(new InstanceSpec("default", 1, 2048, null, 0, 600)),
        "cde-c100-m2048", fcConfig(), IMAGE, Map.of("CDE_AGENT_PUBLIC_KEY", "MCowBQYDK2VwAyEAexample",
            "CDE_IDLE_TIMEOUT_SECONDS", "600"));
    fc.server.stubFor(get("/2023-03-30/functions/cde-c100-m2048").willReturn(okJson(body.toString())));
    fc.provider(Optional.of(IMAGE)).launch(session(new InstanceSpec("default", 1, 2048, null, 0, 600)));
    assertThat(fc.requests()).extracting(r -> r.getMethod().getName()).doesNotContain("PUT").containsOnlyOnce("POST");

    fc.server.resetRequests();
    fc.provider(Optional.of(IMAGE.replace(":2", ":3"))).launch(session(new InstanceSpec("default", 1, 2048, null, 0, 600)));
    LoggedRequest update = fc.requests().stream().filter(r -> r.getMethod().getName().equals("PUT")).findFirst().orElseThrow();
    JsonNode sent = CloudApi.JSON.readTree(update.getBodyAsString());
    assertThat(sent.path("customContainerConfig").path("image").asText()).endsWith(":3");
    assertThat(sent.has("functionName")).as("UpdateFunction takes the name in the path only").isFalse();
  }

  @Test
  void aSpecBecomesAShapeFunctionComputeAccepts() {
    FcFunctions.Shape s = FcFunctions.Shape.of(new InstanceSpec("default", 4, 2048, null, 0, 600));
    assertThat(s.memoryMb()).as("at least 1 GB per vCPU").isEqualTo(4096);
    s = FcFunctions.Shape.of(new InstanceSpec("default", 1, 16_384, null, 0, 600));
    assertThat(s.cpu()).as("at most 4 GB per vCPU").isEqualByComparingTo("4");
    s = FcFunctions.Shape.of(new InstanceSpec("default", 0.33, 1000, "a10", 1, 600));
    assertThat(s.cpu()).isEqualByComparingTo("0.35");
    assertThat(s.memoryMb()).isEqualTo(1024);
    assertThat(s.functionName("cde")).isEqualTo("cde-c35-m1024-a10");
  }

  @Test
  void missingSettingsAndCredentialsAreReportedBeforeAnyCall() {
    assertThatThrownBy(() -> fc.provider(Optional.empty()).launch(session(new InstanceSpec("default", 1, 2048, null, 0, 600))))
        .hasMessageContaining("cde.aliyun-fc.image is not set");
    assertThatThrownBy(() -> new FcProvider(fcConfig(), Map.of(), java.time.Clock.systemUTC())
        .launch(session(new InstanceSpec("default", 1, 2048, null, 0, 600))))
        .hasMessageContaining("ALIBABA_CLOUD_ACCESS_KEY_ID");
    assertThat(fc.requests()).isEmpty();
  }

  FcConfig fcConfig() {
    return fc.config(Optional.of(IMAGE));
  }

  static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
