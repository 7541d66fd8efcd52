package dev.cde.bridge.auth;

import dev.cde.bridge.problem.Problem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Checks the token on the Vert.x router rather than in JAX-RS, so that every {@code /api/v1/**}
 * route is covered, WebSocket upgrades and unknown paths included.
 */
@ApplicationScoped
public class ApiTokenFilter {
  /** Runs before every other route on the API paths. */
  public static final int ORDER = -1000;
  /**
   * Set on the routing context by a check that ran before this one and admitted the request by other means (the
   * dashboard's cookie, on its read-only routes: dev.cde.bridge.web.DashboardAccess). Only code can set it.
   */
  public static final String ADMITTED = "cde.auth.admitted";

  @Inject
  ApiToken token;

  void routes(@Observes Router router) {
    router.route("/api/v1/*").order(ORDER).handler(this::check);
  }

  private void check(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    if (rc.get(ADMITTED) != null || token.matches(header)) {
      rc.next();
      return;
    }
    Problem p = Problem.of(401, "Unauthorized", header == null
        ? "missing Authorization header; send 'Authorization: Bearer <token>' (the token is in <cde.home>/api-token)"
        : "wrong API token");
    rc.response().setStatusCode(401).putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader("WWW-Authenticate", "Bearer").end(p.toJson());
  }
}
