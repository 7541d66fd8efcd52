package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GithubCredentialsTest {
  private final GithubFixture gh = new GithubFixture();

  @AfterEach
  void close() {
    gh.close();
  }

  private void stubApp(String installationPath, long installationId, String token, Instant expiresAt) {
    gh.server.stubFor(get(urlEqualTo(installationPath)).willReturn(okJson("{\"id\":" + installationId + "}")));
    gh.server.stubFor(post(urlEqualTo("/app/installations/" + installationId + "/access_tokens"))
        .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
            .withBody("{\"token\":\"" + token + "\",\"expires_at\":\"" + expiresAt + "\"}")));
    gh.server.stubFor(delete(urlPathEqualTo("/repos/octo/hello/actions/runners/5")).willReturn(aResponse().withStatus(204)));
  }

  @Test
  void appJwtBuysAnInstallationTokenThatIsReusedUntilFiveMinutesBeforeExpiry() throws Exception {
    Instant expires = gh.clock.instant().plus(Duration.ofHours(1));
    stubApp("/repos/octo/hello/installation", 42, "ghs_first", expires);
    GithubFixture.Api api = gh.api(TestGithubConfig.withApp(gh.url(), 123, GithubFixture.pkcs1Pem()));

    api.registry().remove("octo", "hello", 5);
    api.registry().remove("octo", "hello", 5);

    gh.server.verify(1, getRequestedFor(urlEqualTo("/repos/octo/hello/installation")));
    gh.server.verify(1, postRequestedFor(urlEqualTo("/app/installations/42/access_tokens")));
    gh.server.verify(2, deleteRequestedFor(urlPathEqualTo("/repos/octo/hello/actions/runners/5"))
        .withHeader("Authorization", equalTo("Bearer ghs_first")));

    // The JWT: RS256 with the App's key, iss = App id, iat a minute back, exp 9 minutes ahead.
    String jwt = gh.server.findAll(getRequestedFor(urlEqualTo("/repos/octo/hello/installation"))).get(0)
        .getHeader("Authorization").substring("Bearer ".length());
    JwtClaims claims = new JwtConsumerBuilder().setVerificationKey(GithubFixture.APP_KEY.getPublic())
        .setEvaluationTime(NumericDate.fromSeconds(gh.clock.instant().getEpochSecond()))
        .setExpectedIssuer("123").setRequireExpirationTime().setRequireIssuedAt().build().processToClaims(jwt);
    long now = gh.clock.instant().getEpochSecond();
    assertThat(claims.getIssuedAt().getValue()).isEqualTo(now - 60);
    assertThat(claims.getExpirationTime().getValue()).isEqualTo(now + 540);

    gh.clock.advance(Duration.ofMinutes(54));
    api.registry().remove("octo", "hello", 5);
    gh.server.verify(1, postRequestedFor(urlEqualTo("/app/installations/42/access_tokens")));

    gh.clock.advance(Duration.ofMinutes(2)); // now 4 minutes before expiry: refresh
    api.registry().remove("octo", "hello", 5);
    gh.server.verify(2, postRequestedFor(urlEqualTo("/app/installations/42/access_tokens")));
    gh.server.verify(1, getRequestedFor(urlEqualTo("/repos/octo/hello/installation")));
  }

  @Test
  void orgModeLooksUpTheOrganizationsInstallation() {
    stubApp("/orgs/acme/installation", 7, "ghs_org", gh.clock.instant().plus(Duration.ofHours(1)));
    gh.server.stubFor(delete(urlPathEqualTo("/orgs/acme/actions/runners/5")).willReturn(aResponse().withStatus(204)));
    GithubFixture.Api api = gh.api(TestGithubConfig.withApp(gh.url(), 123, GithubFixture.pkcs8Pem()).inOrg("acme"));

    assertThat(api.registry().remove("octo", "hello", 5)).isTrue();

    gh.server.verify(deleteRequestedFor(urlPathEqualTo("/orgs/acme/actions/runners/5"))
        .withHeader("Authorization", equalTo("Bearer ghs_org")));
  }

  @Test
  void aConfiguredTokenIsUsedAsIs() {
    GithubCredentials credentials = gh.api(TestGithubConfig.withToken(gh.url(), "ghp_plain")).credentials();
    assertThat(credentials.token("octo", "hello")).isEqualTo("ghp_plain");
    assertThat(gh.server.getAllServeEvents()).isEmpty();
  }

  @Test
  void withoutCredentialsTheErrorSaysWhatToSet() {
    GithubCredentials credentials = gh.api(TestGithubConfig.none(gh.url())).credentials();
    assertThat(credentials.configured()).isFalse();
    assertThatThrownBy(() -> credentials.token("octo", "hello"))
        .isInstanceOf(GithubCredentialsNotConfiguredException.class)
        .hasMessage("GitHub credentials not configured (set cde.github.token or cde.github.app-id + app-private-key)");
  }

  @Test
  void pkcs1KeysAreWrappedIntoTheJdksPkcs8() {
    byte[] pkcs8 = GithubFixture.APP_KEY.getPrivate().getEncoded();
    assertThat(GithubCredentials.pkcs1ToPkcs8(GithubFixture.pkcs1(pkcs8))).isEqualTo(pkcs8);
    assertThat(GithubCredentials.parsePem(GithubFixture.pkcs1Pem().replace("\n", "\\n")))
        .isEqualTo(GithubFixture.APP_KEY.getPrivate());
  }

  @Test
  void aBrokenKeyFailsWithoutQuotingIt() {
    assertThatThrownBy(() -> GithubCredentials.parsePem("-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETbase64\n-----END RSA PRIVATE KEY-----"))
        .hasMessageContaining("is not a PEM RSA private key").hasMessageNotContaining("TOPSECRET");
  }
}
