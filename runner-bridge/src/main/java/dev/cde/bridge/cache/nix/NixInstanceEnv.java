package dev.cde.bridge.cache.nix;

import dev.cde.bridge.session.InstanceCallbackUrl;
import dev.cde.bridge.session.InstanceEnvironment;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.TunnelTokens;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an instance needs to use the cache: the public key to trust (also as {@code NIX_CONFIG}, which nix reads
 * on top of {@code nix.conf}, so no file in the image has to be rewritten at start), and where and with what to
 * push. The push token is scoped to the session and to {@value NixPushRoutes#PUSH_AUDIENCE}.
 */
@ApplicationScoped
public class NixInstanceEnv implements InstanceEnvironment {
  private final NixBinaryCache cache;
  private final SigningKeys keys;
  private final NixCacheConfig config;

  public NixInstanceEnv(NixBinaryCache cache, SigningKeys keys, NixCacheConfig config) {
    this.cache = cache;
    this.keys = keys;
    this.config = config;
  }

  @Override
  public Map<String, String> forSession(String sessionId, Duration lifetime) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("NIX_CONFIG", "extra-trusted-public-keys = " + cache.publicKey());
    env.put("CDE_NIX_PUBLIC_KEY", cache.publicKey());
    env.put("CDE_NIX_PUSH_URL", pushUrl());
    // The instance pushes after its job, just before the session ends: the token outlives the session a little.
    env.put("CDE_NIX_PUSH_TOKEN", TunnelTokens.issue(keys.privateKey(), NixPushRoutes.PUSH_AUDIENCE, sessionId,
        lifetime.plusMinutes(10)));
    return env;
  }

  String pushUrl() {
    String base = config.pushUrl().map(InstanceCallbackUrl::trimmed).orElseGet(InstanceCallbackUrl::get);
    return base.endsWith("/nix/push") ? base : base + "/nix/push";
  }
}
