package dev.cde.bridge.provider.cloudrun;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * OAuth 2.0 access tokens for Google APIs from the standard places: the service account key file named by
 * {@code GOOGLE_APPLICATION_CREDENTIALS} (a JWT signed RS256 with its key, by jose4j, exchanged at its
 * {@code token_uri}: https://developers.google.com/identity/protocols/oauth2/service-account#httprest), else the
 * metadata server of the machine the bridge runs on
 * (https://cloud.google.com/compute/docs/access/authenticate-workloads#applications). No google-auth-library: it brings
 * Guava and google-http-client for these two requests. A token is reused until a minute before it expires; neither
 * the key nor a token is ever logged or put in an error.
 */
final class GoogleTokens {
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  private final CloudApi api = new CloudApi("Google OAuth");
  private final Map<String, String> env;
  private final URI metadata;
  private final Clock clock;
  private String token;
  private Instant expires = Instant.EPOCH;

  GoogleTokens(Map<String, String> env, URI metadata, Clock clock) {
    this.env = env;
    this.metadata = metadata;
    this.clock = clock;
  }

  synchronized String token() throws ProviderException {
    if (token == null || clock.instant().isAfter(expires.minusSeconds(60))) {
      String file = env.get("GOOGLE_APPLICATION_CREDENTIALS");
      JsonNode answer = file == null || file.isBlank() ? fromMetadata() : fromServiceAccount(Path.of(file));
      token = answer.path("access_token").asText(null);
      if (token == null) {
        throw new ProviderException("Google OAuth answered without an access_token");
      }
      expires = clock.instant().plusSeconds(answer.path("expires_in").asLong(300));
    }
    return token;
  }

  private JsonNode fromMetadata() throws ProviderException {
    return api.call(HttpRequest.newBuilder(metadata.resolve("/computeMetadata/v1/instance/service-accounts/default/token"))
        .header("Metadata-Flavor", "Google").GET().build(), "token from the metadata server (no GOOGLE_APPLICATION_CREDENTIALS)");
  }

  private JsonNode fromServiceAccount(Path file) throws ProviderException {
    JsonNode key;
    try {
      key = CloudApi.JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ProviderException("cannot read GOOGLE_APPLICATION_CREDENTIALS " + file + ": " + e.getMessage());
    }
    if (!"service_account".equals(key.path("type").asText())) {
      throw new ProviderException("GOOGLE_APPLICATION_CREDENTIALS " + file + " is not a service account key (type "
          + key.path("type").asText("missing") + ")");
    }
    String tokenUri = key.path("token_uri").asText("https://oauth2.googleapis.com/token");
    JwtClaims claims = new JwtClaims();
    claims.setIssuer(key.path("client_email").asText());
    claims.setAudience(tokenUri);
    claims.setClaim("scope", SCOPE);
    long now = clock.instant().getEpochSecond();
    claims.setIssuedAt(NumericDate.fromSeconds(now));
    claims.setExpirationTime(NumericDate.fromSeconds(now + 3600));
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setKey(privateKey(key.path("private_key").asText(), file));
    jws.setKeyIdHeaderValue(key.path("private_key_id").asText(null));
    jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
    String assertion;
    try {
      assertion = jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new ProviderException("cannot sign the service account's token request: " + e.getMessage());
    }
    String form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
        + "&assertion=" + assertion;
    return api.call(HttpRequest.newBuilder(URI.create(tokenUri)).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), "token for " + key.path("client_email").asText());
  }

  private static PrivateKey privateKey(String pem, Path file) throws ProviderException {
    try {
      String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ProviderException("the private_key of " + file + " is not a PKCS#8 RSA key");
    }
  }
}
