package dev.cde.bridge.cache.nix;

import dev.cde.bridge.session.InstanceEnvironment;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.TunnelTokens;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;

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
    String base = config.pushUrl().map(u -> u.replaceAll("/+$", "")).orElseGet(() -> {
      // Quarkus writes the port it really bound (a random one in tests) back into its configuration.
      String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
      int port = ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(8080);
      return "http://127.0.0.1:" + port;
    });
    return base.endsWith("/nix/push") ? base : base + "/nix/push";
  }
}
