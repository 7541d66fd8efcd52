package dev.cde.bridge.session;

import dev.cde.tunnel.auth.InvalidTokenException;
import dev.cde.tunnel.auth.TunnelTokens;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * The tokens an instance calls the bridge back with (cache service, runner hooks, nix push): signed by the bridge,
 * one audience per use so one kind is never taken for another, naming one session, expiring, and — checked here —
 * dead with their session. A job that leaks its token (a fork's pull request printing its environment) leaks
 * nothing that outlives the job: without the last check a leaked cache token could write into the repository's
 * cache for as long as the session's maximum duration after the job ended.
 */
@ApplicationScoped
public class InstanceTokens {
  private final SigningKeys keys;
  private final SessionStore store;

  public InstanceTokens(SigningKeys keys, SessionStore store) {
    this.keys = keys;
    this.store = store;
  }

  public String issue(String audience, String sessionId, Duration ttl) {
    return TunnelTokens.issue(keys.privateKey(), audience, sessionId, ttl);
  }

  /**
   * Signature, audience and expiry only, with no I/O: for an event-loop route, which must then call
   * {@link #requireLive(String)} on a worker before acting.
   *
   * @return the session the token names
   */
  public String verifySignature(String audience, String token) {
    return TunnelTokens.verify(keys.publicKey(), audience, token, null);
  }

  /**
   * Refuses the session's tokens once it has ended. Reads the store: blocking. A token naming a session the store has
   * no row for passes (its signature says this bridge issued it, and session rows are never deleted): the cache's
   * own tests record scopes for sessions they never start.
   */
  public void requireLive(String sessionId) {
    Optional<Session> s = store.find(sessionId);
    if (s.isPresent() && s.get().state().terminal()) {
      throw new InvalidTokenException("session " + sessionId + " has ended; its tokens are no longer accepted");
    }
  }

  /**
   * {@link #verifySignature} and {@link #requireLive} together (blocking).
   *
   * @param token the token itself, not the header; {@link TunnelTokens#bearer(String)} takes it from one
   * @return the session the token names
   * @throws InvalidTokenException with a reason safe to show (never the token)
   */
  public String verify(String audience, String token) {
    String session = verifySignature(audience, token);
    requireLive(session);
    return session;
  }
}
