package dev.cde.tunnel.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

class TunnelTokensTest {
  private static final KeyPair BRIDGE = TunnelTokens.generateKeyPair();
  private static final String SESSION = "ses_0123456789";

  @Test
  void acceptsAValidToken() {
    String token = TunnelTokens.issue(BRIDGE.getPrivate(), SESSION, Duration.ofMinutes(5));
    assertThatCode(() -> TunnelTokens.verify(BRIDGE.getPublic(), token, SESSION)).doesNotThrowAnyException();
    // The public key survives its text form (how the agent receives it).
    assertThatCode(() -> TunnelTokens.verify(
        TunnelTokens.decodePublicKey(TunnelTokens.encodePublicKey(BRIDGE.getPublic())), token, SESSION))
        .doesNotThrowAnyException();
  }

  @Test
  void rejectsAForgedToken() {
    KeyPair other = TunnelTokens.generateKeyPair();
    String forged = TunnelTokens.issue(other.getPrivate(), SESSION, Duration.ofMinutes(5));
    assertRejected(forged, SESSION, "bad token signature");
  }

  @Test
  void rejectsAnExpiredToken() throws Exception {
    // Beyond the 30 s clock skew the verifier allows.
    String expired = TunnelTokens.issue(BRIDGE.getPrivate(), SESSION, Duration.ofMinutes(-2));
    assertRejected(expired, SESSION, "token expired");
    // Within the skew it still passes (crafted by hand: jose4j refuses exp before iat, which issue() sets to now).
    JwtClaims claims = claims();
    claims.setIssuedAt(NumericDate.fromSeconds(NumericDate.now().getValue() - 60));
    claims.setExpirationTime(NumericDate.fromSeconds(NumericDate.now().getValue() - 6));
    String justExpired = sign(claims, AlgorithmIdentifiers.EDDSA, BRIDGE.getPrivate());
    assertThatCode(() -> TunnelTokens.verify(BRIDGE.getPublic(), justExpired, SESSION)).doesNotThrowAnyException();
  }

  @Test
  void rejectsATokenForAnotherSession() {
    String token = TunnelTokens.issue(BRIDGE.getPrivate(), "ses_other", Duration.ofMinutes(5));
    assertRejected(token, SESSION, "token is for another session");
  }

  @Test
  void rejectsMissingAndGarbageTokens() {
    assertRejected(null, SESSION, "missing token");
    assertRejected("", SESSION, "missing token");
    assertRejected("   ", SESSION, "missing token");
    assertRejected("not-a-jwt", SESSION, "invalid token");
    assertRejected("a.b.c", SESSION, "invalid token");
    assertRejected("eyJhbGciOiJFZERTQSJ9.e30.AAAA", SESSION, "bad token signature");
  }

  @Test
  void rejectsWrongAudienceOrIssuer() throws Exception {
    JwtClaims claims = claims();
    claims.setAudience("someone-else");
    assertRejected(sign(claims, AlgorithmIdentifiers.EDDSA, BRIDGE.getPrivate()), SESSION, "invalid token");
    claims = claims();
    claims.setIssuer("mallory");
    assertRejected(sign(claims, AlgorithmIdentifiers.EDDSA, BRIDGE.getPrivate()), SESSION, "invalid token");
    claims = claims();
    claims.setExpirationTime(null);
    claims.unsetClaim("exp");
    assertRejected(sign(claims, AlgorithmIdentifiers.EDDSA, BRIDGE.getPrivate()), SESSION, "invalid token");
  }

  @Test
  void rejectsAlgNoneAndHmacTokens() throws Exception {
    JsonWebSignature none = new JsonWebSignature();
    none.setPayload(claims().toJson());
    none.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
    none.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);
    assertRejected(none.getCompactSerialization(), SESSION, "invalid token");

    // HS256 "signed" with the public key's bytes: the classic key-confusion attack.
    byte[] secret = BRIDGE.getPublic().getEncoded();
    JsonWebSignature hmac = new JsonWebSignature();
    hmac.setPayload(claims().toJson());
    hmac.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
    hmac.setKey(new HmacKey(secret.length >= 32 ? secret : "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)));
    hmac.setDoKeyValidation(false);
    assertRejected(hmac.getCompactSerialization(), SESSION, "invalid token");
  }

  @Test
  void bearerExtractsTheToken() {
    assertThat(TunnelTokens.bearer("Bearer abc.def.ghi")).isEqualTo("abc.def.ghi");
    assertThat(TunnelTokens.bearer("bearer   abc ")).isEqualTo("abc");
    assertThat(TunnelTokens.bearer("Basic abc")).isNull();
    assertThat(TunnelTokens.bearer(null)).isNull();
  }

  private static JwtClaims claims() {
    JwtClaims c = new JwtClaims();
    c.setIssuer(TunnelTokens.ISSUER);
    c.setAudience(TunnelTokens.AUDIENCE);
    c.setSubject(SESSION);
    c.setIssuedAtToNow();
    c.setExpirationTimeMinutesInTheFuture(5);
    return c;
  }

  private static String sign(JwtClaims claims, String alg, PrivateKey key) throws Exception {
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setAlgorithmHeaderValue(alg);
    jws.setKey(key);
    return jws.getCompactSerialization();
  }

  /** Rejected with exactly {@code reason}, and nothing of the token leaks into the message. */
  private static void assertRejected(String token, String session, String reason) {
    assertThatThrownBy(() -> TunnelTokens.verify(BRIDGE.getPublic(), token, session))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessage(reason)
        .hasNoCause()
        .satisfies(e -> {
          if (token != null && !token.isBlank()) {
            for (String part : token.split("\\.")) {
              if (part.length() >= 4) {
                assertThat(e.getMessage()).doesNotContain(part);
              }
            }
          }
        });
  }

  @Test
  void aTokenForOneAudienceIsRefusedByAnother() {
    KeyPair keys = TunnelTokens.generateKeyPair();
    String hook = TunnelTokens.issue(keys.getPrivate(), "cde-github-hook", "s-one", Duration.ofMinutes(1));
    assertThat(TunnelTokens.verify(keys.getPublic(), "cde-github-hook", hook, null))
        .isEqualTo("s-one");
    assertThatThrownBy(() -> TunnelTokens.verify(keys.getPublic(), hook, "s-one"))
        .isInstanceOf(InvalidTokenException.class);
    String agent = TunnelTokens.issue(keys.getPrivate(), "s-one", Duration.ofMinutes(1));
    assertThatThrownBy(
        () -> TunnelTokens.verify(keys.getPublic(), "cde-github-hook", agent, null))
        .isInstanceOf(InvalidTokenException.class);
  }
}
