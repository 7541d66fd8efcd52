package dev.cde.bridge.session;

import io.quarkus.runtime.LaunchMode;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The bridge's URL as instances reach it, for everything they call back (the runner's job hooks, the cache, the
 * nix push): {@code cde.github.runners.callback-url} (one setting for all, under the name it was first given),
 * else the loopback port Quarkus bound, which only the local provider can reach.
 */
public final class InstanceCallbackUrl {
  private InstanceCallbackUrl() {}

  public static String get() {
    Config c = ConfigProvider.getConfig();
    return c.getOptionalValue("cde.github.runners.callback-url", String.class)
        .map(InstanceCallbackUrl::trimmed)
        .orElseGet(() -> {
          // Quarkus writes the port it really bound (a random one in tests) back into its configuration.
          String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
          return "http://127.0.0.1:" + c.getOptionalValue(key, Integer.class).orElse(8080);
        });
  }

  /** Without trailing slashes, so callers append paths with one. */
  public static String trimmed(String url) {
    return url.replaceAll("/+$", "");
  }
}
