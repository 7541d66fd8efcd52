package dev.cde.bridge.cache.actions;

import dev.cde.bridge.session.InstanceTokens;
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
  private final InstanceTokens instanceTokens;

  public CacheTokens(SigningKeys keys, InstanceTokens instanceTokens) {
    this.keys = keys;
    this.instanceTokens = instanceTokens;
  }

  /** A token for the session's cache calls, valid as long as the session can live and no longer than it does. */
  public String issueForSession(String sessionId, Duration ttl) {
    return instanceTokens.issue(SESSION_AUDIENCE, sessionId, ttl);
  }

  /** The session a cache call's bearer token names, refused once that session ended. Blocking (reads the store). */
  public String session(String authorization) {
    return instanceTokens.verify(SESSION_AUDIENCE, TunnelTokens.bearer(authorization));
  }

  /**
   * The session a token names, from its signature alone (an event-loop route); the caller then checks, on a worker,
   * {@link #requireLive(String)}.
   */
  String sessionBySignature(String authorization) {
    return instanceTokens.verifySignature(SESSION_AUDIENCE, TunnelTokens.bearer(authorization));
  }

  /** Refuses a session that has ended. Blocking. */
  void requireLive(String session) {
    instanceTokens.requireLive(session);
  }

  String blob(String subject) {
    return TunnelTokens.issue(keys.privateKey(), BLOB_AUDIENCE, subject, BLOB_TTL);
  }

  /** What a blob URL's token names ({@code u:<upload>} or {@code d:<entry>:<session>}). */
  String blobSubject(String token) throws InvalidTokenException {
    return TunnelTokens.verify(keys.publicKey(), BLOB_AUDIENCE, token, null);
  }
}
