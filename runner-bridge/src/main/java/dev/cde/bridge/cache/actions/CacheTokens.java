package dev.cde.bridge.cache.actions;

import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.InvalidTokenException;
import dev.cde.tunnel.auth.TunnelTokens;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The two kinds of token the cache service takes, each its own audience so one is never accepted as the other:
 * a session's token (what an instance calls the service with; its subject is the session, so the scope comes
 * from the bridge's record of that session), and the signed blob URLs the service hands out (like a storage
 * SAS: the subject names one upload or one entry, and it expires).
 */
@ApplicationScoped
public class CacheTokens {
  /** Audience of the token an instance calls the cache service with. */
  public static final String SESSION_AUDIENCE = "cde-cache";
  static final String BLOB_AUDIENCE = "cde-cache-blob";
  static final Duration BLOB_TTL = Duration.ofHours(6);

  private final SigningKeys keys;

  public CacheTokens(SigningKeys keys) {
    this.keys = keys;
  }

  /** A token for the session's cache calls, valid as long as the session can live. */
  public String issueForSession(String sessionId, Duration ttl) {
    return TunnelTokens.issue(keys.privateKey(), SESSION_AUDIENCE, sessionId, ttl);
  }

  /** The session a cache call's bearer token names. */
  public String session(String authorization) {
    return TunnelTokens.verify(keys.publicKey(), SESSION_AUDIENCE, TunnelTokens.bearer(authorization), null);
  }

  String blob(String subject) {
    return TunnelTokens.issue(keys.privateKey(), BLOB_AUDIENCE, subject, BLOB_TTL);
  }

  /** What a blob URL's token names ({@code u:<upload>} or {@code d:<entry>:<session>}). */
  String blobSubject(String token) throws InvalidTokenException {
    return TunnelTokens.verify(keys.publicKey(), BLOB_AUDIENCE, token, null);
  }
}
