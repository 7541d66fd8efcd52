package dev.cde.bridge.web;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The dashboard ({@code /dashboard}). */
@ConfigMapping(prefix = "cde.dashboard")
public interface DashboardConfig {
  /** How long a dashboard login lasts: the cookie and the signed token in it expire together. */
  @WithDefault("8h")
  Duration loginTtl();
}
