package dev.cde.bridge.web;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The dashboard's page (static files under META-INF/resources/dashboard, libraries from webjars): {@code /dashboard}
 * leads to it, and every answer under it forbids what the page never needs, so injected markup could not run
 * scripts from elsewhere, be framed, or have its type guessed.
 */
@ApplicationScoped
public class DashboardPage {
  /** xterm.js adds style elements of its own, hence 'unsafe-inline' for styles only; scripts come from here alone. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
      + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  void routes(@Observes Router router) {
    // Vert.x routes "/dashboard" for "/dashboard/" too: only the path without the slash is sent on.
    router.get("/dashboard").handler(rc -> {
      if ("/dashboard".equals(rc.request().path())) {
        rc.redirect("/dashboard/");
      } else {
        rc.next();
      }
    });
    router.route("/dashboard/*").order(-10).handler(rc -> {
      rc.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
          .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer")
          .putHeader("Cache-Control", "no-store");
      rc.next();
    });
    router.route("/webjars/*").order(-10).handler(rc -> {
      rc.response().putHeader("X-Content-Type-Options", "nosniff");
      rc.next();
    });
  }
}
