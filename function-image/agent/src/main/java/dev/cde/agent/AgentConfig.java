package dev.cde.agent;

import dev.cde.tunnel.auth.TunnelTokens;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What the agent is told by its environment (the provider sets these; see docs/agent.md). */
record AgentConfig(
    String bind,
    int port,
    PublicKey bridgeKey,
    String sessionId,
    Duration idleTimeout,
    Duration maxLifetime,
    List<String> tcpAllow,
    Duration resumeGrace,
    URI dialOutUrl,
    String dialToken) {

  /** True when the agent dials the bridge instead of listening (platforms without inbound WebSockets). */
  boolean dialsOut() {
    return dialOutUrl != null;
  }

  static AgentConfig fromEnv(Map<String, String> env) {
    String key = env.get("CDE_AGENT_PUBLIC_KEY");
    if (key == null || key.isBlank()) {
      throw new ConfigException("CDE_AGENT_PUBLIC_KEY is not set: the agent accepts only bridge-signed tokens "
          + "and needs the bridge's Ed25519 public key (base64 X.509)");
    }
    PublicKey publicKey;
    try {
      publicKey = TunnelTokens.decodePublicKey(key);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("CDE_AGENT_PUBLIC_KEY: " + e.getMessage());
    }
    AgentConfig config = new AgentConfig(
        env.getOrDefault("CDE_BIND", "0.0.0.0"),
        intVar(env, "PORT", 9000, 1, 65535),
        publicKey,
        blankToNull(env.get("CDE_SESSION_ID")),
        Duration.ofSeconds(intVar(env, "CDE_IDLE_TIMEOUT_SECONDS", 600, 1, 86_400 * 7)),
        Duration.ofSeconds(intVar(env, "CDE_MAX_LIFETIME_SECONDS", 86_400, 1, 86_400 * 7)),
        List.of(env.getOrDefault("CDE_TCP_ALLOW", "127.0.0.1,localhost,::1").split("\\s*,\\s*")),
        Duration.ofSeconds(intVar(env, "CDE_RESUME_GRACE_SECONDS", 60, 1, 3600)),
        dialOutUrl(env.get("CDE_DIAL_OUT_URL")),
        blankToNull(env.get("CDE_AGENT_DIAL_TOKEN")));
    if (config.dialsOut() && config.dialToken() == null) {
      throw new ConfigException("CDE_DIAL_OUT_URL is set but CDE_AGENT_DIAL_TOKEN is not: the bridge admits a "
          + "dialing agent only with its session's dial token");
    }
    return config;
  }

  private static URI dialOutUrl(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      URI uri = new URI(value.strip());
      if (!List.of("ws", "wss").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null) {
        throw new ConfigException("CDE_DIAL_OUT_URL=" + value + " is not a ws:// or wss:// URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException("CDE_DIAL_OUT_URL=" + value + " is not a URL: " + e.getReason());
    }
  }

  private static int intVar(Map<String, String> env, String name, int dflt, int min, int max) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n < min || n > max) {
        throw new ConfigException(name + "=" + v + " is outside " + min + ".." + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(name + "=" + v + " is not a number");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  static final class ConfigException extends RuntimeException {
    ConfigException(String message) {
      super(message);
    }
  }
}
