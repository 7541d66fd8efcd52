package dev.cde.bridge.github.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * The bearer token for a repository: the configured token, or a GitHub App installation token. Installation
 * tokens live an hour; each is reused until {@link #REFRESH_BEFORE_EXPIRY} before it expires, so a job that
 * starts with it never holds one about to die.
 */
@Singleton
public class GithubCredentials {
  static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(5);
  /** GitHub rejects App JWTs living longer than 10 minutes and clocks drift: iat a minute back, exp 9 min ahead. */
  static final Duration JWT_BACKDATE = Duration.ofSeconds(60);
  static final Duration JWT_LIFETIME = Duration.ofMinutes(9);

  private final GithubConfig config;
  private final GithubClient client;
  private final Clock clock;
  private final Map<String, Long> installationByTarget = new HashMap<>();
  private final Map<Long, InstallationToken> tokenByInstallation = new HashMap<>();
  private PrivateKey appKey;

  @Inject
  public GithubCredentials(GithubConfig config, GithubClient client) {
    this(config, client, client.clock());
  }

  public GithubCredentials(GithubConfig config, GithubClient client, Clock clock) {
    this.config = config;
    this.client = client;
    this.clock = clock;
  }

  /** Whether any credential is configured; without one every call fails with the typed exception. */
  public boolean configured() {
    return config.token().isPresent() || appConfigured();
  }

  /**
   * Whether the bridge acts as a GitHub App: App credentials and no token (a token wins over the App). Only then
   * does it have the App's JWT, which some endpoints (the App's own webhook deliveries) accept exclusively.
   */
  public boolean appInUse() {
    return config.token().isEmpty() && appConfigured();
  }

  private boolean appConfigured() {
    return config.appId().isPresent()
        && (config.appPrivateKey().isPresent() || config.appPrivateKeyFile().isPresent());
  }

  /**
   * The bearer for calls about {@code owner/repo} (or the configured organization).
   * Synchronized: refreshes are rare (hourly) and a lock keeps two jobs from minting two tokens at once.
   */
  public synchronized String token(String owner, String repo) {
    if (config.token().isPresent()) {
      return config.token().get();
    }
    if (!appConfigured()) {
      throw new GithubCredentialsNotConfiguredException();
    }
    String target = config.org().map(o -> "/orgs/" + GithubClient.segment(o))
        .orElseGet(() -> "/repos/" + GithubClient.segment(owner) + "/" + GithubClient.segment(repo));
    Long installation = installationByTarget.get(target);
    if (installation == null) {
      installation = client.get(target + "/installation", appJwt()).path("id").asLong();
      installationByTarget.put(target, installation);
    }
    InstallationToken cached = tokenByInstallation.get(installation);
    if (cached != null && clock.instant().isBefore(cached.expiresAt().minus(REFRESH_BEFORE_EXPIRY))) {
      return cached.token();
    }
    JsonNode answer = client.send("POST", "/app/installations/" + installation + "/access_tokens", null, appJwt());
    InstallationToken fresh = new InstallationToken(answer.path("token").asText(),
        Instant.parse(answer.path("expires_at").asText()));
    tokenByInstallation.put(installation, fresh);
    return fresh.token();
  }

  /** The App's own JWT (RS256, issuer = App id), for the endpoints that act as the App, not an installation. */
  String appJwt() {
    JwtClaims claims = new JwtClaims();
    claims.setIssuer(String.valueOf(config.appId().orElseThrow(GithubCredentialsNotConfiguredException::new)));
    long now = clock.instant().getEpochSecond();
    claims.setIssuedAt(NumericDate.fromSeconds(now - JWT_BACKDATE.toSeconds()));
    claims.setExpirationTime(NumericDate.fromSeconds(now + JWT_LIFETIME.toSeconds()));
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setKey(appKey());
    jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
    try {
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException("cannot sign the GitHub App JWT (" + e.getClass().getSimpleName() + ")");
    }
  }

  private PrivateKey appKey() {
    if (appKey == null) {
      String pem = config.appPrivateKey().orElseGet(() -> {
        String file = config.appPrivateKeyFile().orElseThrow(GithubCredentialsNotConfiguredException::new);
        try {
          return Files.readString(Path.of(file));
        } catch (IOException e) {
          throw new IllegalStateException("cannot read cde.github.app-private-key-file " + file + ": "
              + e.getClass().getSimpleName());
        }
      });
      appKey = parsePem(pem);
    }
    return appKey;
  }

  /**
   * PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, what GitHub's "Generate a private key" downloads) or PKCS#8. The JDK
   * reads only PKCS#8, so PKCS#1 is wrapped in a PKCS#8 envelope here instead of adding BouncyCastle. Error
   * messages never quote the key.
   */
  static PrivateKey parsePem(String pem) {
    // An environment variable often carries the PEM with literal \n.
    String text = pem.replace("\\n", "\n");
    boolean pkcs1 = text.contains("BEGIN RSA PRIVATE KEY");
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      byte[] der = Base64.getDecoder().decode(base64);
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs1 ? pkcs1ToPkcs8(der) : der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalStateException("the GitHub App private key (cde.github.app-private-key[-file]) is not a "
          + "PEM RSA private key (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier rsaEncryption, OCTET STRING pkcs1 }. */
  static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] rsaEncryption = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00};
    byte[] octets = tlv(0x04, pkcs1);
    ByteArrayOutputStream inner = new ByteArrayOutputStream();
    inner.writeBytes(version);
    inner.writeBytes(rsaEncryption);
    inner.writeBytes(octets);
    return tlv(0x30, inner.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  /** Redacted toString: the token must not reach a log through a debug print of the cache. */
  private record InstallationToken(String token, Instant expiresAt) {
    @Override
    public String toString() {
      return "InstallationToken[token=***, expiresAt=" + expiresAt + "]";
    }
  }

  @Override
  public String toString() {
    return "GithubCredentials[" + (config.token().isPresent() ? "token" : appConfigured() ? "app "
        + config.appId().orElse(0L) : "none") + "]";
  }
}
