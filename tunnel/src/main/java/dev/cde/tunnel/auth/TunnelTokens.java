package dev.cde.tunnel.auth;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.lang.JoseException;

/**
 * Short-lived, per-session tokens that let the bridge into an instance. EdDSA (Ed25519) JWTs: the bridge
 * signs with its private key; the agent holds only the public key, so a leaked instance can mint nothing.
 */
public final class TunnelTokens {
  public static final String AUDIENCE = "cde-agent";
  public static final String ISSUER = "cde-bridge";

  private TunnelTokens() {}

  public static KeyPair generateKeyPair() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM lacks Ed25519", e);
    }
  }

  public static String encodePublicKey(PublicKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  public static PublicKey decodePublicKey(String base64) {
    try {
      byte[] der = Base64.getDecoder().decode(base64.strip());
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (Exception e) {
      throw new IllegalArgumentException("not a base64 Ed25519 public key (X.509 SubjectPublicKeyInfo)", e);
    }
  }

  public static String issue(PrivateKey key, String sessionId, Duration ttl) {
    return issue(key, AUDIENCE, sessionId, ttl);
  }

  /**
   * A token for another audience than the agent (e.g. an instance calling the bridge back); the audience keeps
   * one kind of token from being accepted as another.
   */
  public static String issue(PrivateKey key, String audience, String sessionId, Duration ttl) {
    JwtClaims claims = new JwtClaims();
    claims.setIssuer(ISSUER);
    claims.setAudience(audience);
    claims.setSubject(sessionId);
    claims.setJwtId(UUID.randomUUID().toString());
    claims.setIssuedAtToNow();
    claims.setExpirationTimeMinutesInTheFuture(ttl.toSeconds() / 60f);
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setKey(key);
    jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.EDDSA);
    try {
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException("cannot sign tunnel token", e);
    }
  }

  /**
   * Checks signature, audience, expiry (30 s clock skew allowed) and that the token names this session.
   *
   * @throws InvalidTokenException with a reason safe to show (it never contains the token)
   */
  public static void verify(PublicKey key, String token, String expectedSessionId) {
    verify(key, AUDIENCE, token, expectedSessionId);
  }

  /**
   * Like {@link #verify(PublicKey, String, String)} for {@code audience}; returns the session the token names.
   *
   * @throws InvalidTokenException with a reason safe to show (it never contains the token)
   */
  public static String verify(PublicKey key, String audience, String token, String expectedSessionId) {
    if (token == null || token.isBlank()) {
      throw new InvalidTokenException("missing token");
    }
    JwtConsumer consumer = new JwtConsumerBuilder()
        .setRequireExpirationTime()
        .setAllowedClockSkewInSeconds(30)
        .setExpectedAudience(audience)
        .setExpectedIssuer(ISSUER)
        .setRequireSubject()
        .setVerificationKey(key)
        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.EDDSA)
        .build();
    try {
      JwtClaims claims = consumer.processToClaims(token);
      if (expectedSessionId != null && !expectedSessionId.equals(claims.getSubject())) {
        throw new InvalidTokenException("token is for another session");
      }
      return claims.getSubject();
    } catch (InvalidJwtException e) {
      if (e.hasExpired()) {
        throw new InvalidTokenException("token expired");
      }
      if (e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.SIGNATURE_INVALID)) {
        throw new InvalidTokenException("bad token signature");
      }
      throw new InvalidTokenException("invalid token");
    } catch (MalformedClaimException e) {
      throw new InvalidTokenException("malformed token claims");
    }
  }

  /** Extracts the token from an {@code Authorization: Bearer ...} header value. */
  public static String bearer(String authorization) {
    if (authorization == null) {
      return null;
    }
    String v = authorization.strip();
    return v.regionMatches(true, 0, "Bearer ", 0, 7) ? v.substring(7).strip() : null;
  }
}
