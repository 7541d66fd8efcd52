package dev.cde.bridge.web;

import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.InvalidTokenException;
import dev.cde.tunnel.auth.TunnelTokens;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The dashboard's login token: signed by the bridge's key like its other short-lived tokens, with an audience of its
 * own, so it is accepted nowhere else (not as an API token, not by an agent) and the API token never reaches the
 * browser's storage. Every bridge replica sharing the key accepts it.
 */
@ApplicationScoped
public class DashboardTokens {
  static final String AUDIENCE = "cde-dashboard";
  static final String SUBJECT = "dashboard";

  private final SigningKeys keys;
  private final DashboardConfig config;

  public DashboardTokens(SigningKeys keys, DashboardConfig config) {
    this.keys = keys;
    this.config = config;
  }

  String issue() {
    return TunnelTokens.issue(keys.privateKey(), AUDIENCE, SUBJECT, ttl());
  }

  Duration ttl() {
    return config.loginTtl();
  }

  boolean valid(String token) {
    try {
      TunnelTokens.verify(keys.publicKey(), AUDIENCE, token, SUBJECT);
      return true;
    } catch (InvalidTokenException e) {
      return false;
    }
  }
}
