package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A WireMock GitHub, a settable clock and a sleeper that records instead of sleeping. {@link #close()} checks
 * every request the test made against GitHub's OpenAPI description, so no test can send an off-spec request.
 */
final class GithubFixture implements AutoCloseable {
  static final KeyPair APP_KEY = rsa();

  final WireMockServer server = new WireMockServer(options().dynamicPort());
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
  final List<Duration> sleeps = new ArrayList<>();

  GithubFixture() {
    server.start();
  }

  String url() {
    return server.baseUrl();
  }

  GithubClient client() {
    return new GithubClient(url(), clock, sleeps::add);
  }

  /** All four API classes over one client, as CDI would wire them. */
  Api api(GithubConfig config) {
    GithubClient client = new GithubClient(config.apiUrl(), clock, sleeps::add);
    GithubCredentials credentials = new GithubCredentials(config, client, clock);
    RunnerRegistry registry = new RunnerRegistry(config, client, credentials);
    return new Api(credentials, registry, new JitConfigClient(config, client, credentials, registry),
        new JobLookup(client, credentials));
  }

  record Api(GithubCredentials credentials, RunnerRegistry registry, JitConfigClient jit, JobLookup jobs) {
  }

  @Override
  public void close() {
    try {
      assertThat(OpenApiRequestChecker.github().violations(server.getAllServeEvents()))
          .as("requests that GitHub's OpenAPI description does not allow").isEmpty();
    } finally {
      server.stop();
    }
  }

  /** PKCS#1 PEM, as GitHub's "Generate a private key" downloads it. */
  static String pkcs1Pem() {
    return pem("RSA PRIVATE KEY", pkcs1(APP_KEY.getPrivate().getEncoded()));
  }

  static String pkcs8Pem() {
    return pem("PRIVATE KEY", APP_KEY.getPrivate().getEncoded());
  }

  /** The JDK's PKCS#8 encoding of an RSA key: 4-byte SEQUENCE header, version (3), algorithm (15), 4-byte OCTET header. */
  static byte[] pkcs1(byte[] pkcs8) {
    return Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
