package dev.cde.bridge.cache.actions;

import dev.cde.bridge.session.InstanceCallbackUrl;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a process in a session needs to reach the cache ({@code cde cache}, {@code action/cache},
 * {@code actions/cache} through {@code ACTIONS_CACHE_URL}): the session's cache token and the bridge's URL as
 * instances reach it. Given to every process the bridge starts or relays into a session, never put in the
 * instance's launch configuration (which a cloud console shows) and never logged.
 */
@ApplicationScoped
public class SessionCacheEnv {
  public static final String TOKEN = "CDE_CACHE_TOKEN";
  public static final String URL = "CDE_CALLBACK_URL";

  private final CacheTokens tokens;

  public SessionCacheEnv(CacheTokens tokens) {
    this.tokens = tokens;
  }

  /** The token lives as long as the session can, plus the ten minutes a job's last save may take. */
  public Map<String, String> forSession(String sessionId, long maxDurationSeconds) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(TOKEN, tokens.issueForSession(sessionId, Duration.ofSeconds(maxDurationSeconds).plusMinutes(10)));
    env.put(URL, InstanceCallbackUrl.get());
    return env;
  }
}
