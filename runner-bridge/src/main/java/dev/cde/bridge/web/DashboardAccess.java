package dev.cde.bridge.web;

import dev.cde.bridge.auth.ApiTokenFilter;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * Admits the dashboard's cookie on the API routes the dashboard reads, and on no other: GET only (nothing that
 * starts, ends or types into anything), never the session tunnel. A request from a page of another origin is not
 * admitted: SameSite keeps other sites' pages from sending the cookie, but another port of the same host is the
 * same site, and a WebSocket is not held back by CORS. Requests with an Authorization header are left to the token.
 */
@ApplicationScoped
public class DashboardAccess {
  /** What the dashboard reads; everything else needs the API token. */
  static final Pattern READABLE = Pattern.compile("/api/v1/(sessions(/[^/]+(/(logs|cost|terminals|terminal))?)?"
      + "|costs|cache/usage|github/(jobs|runners))");

  private final DashboardTokens tokens;

  public DashboardAccess(DashboardTokens tokens) {
    this.tokens = tokens;
  }

  void routes(@Observes Router router) {
    router.route("/api/v1/*").order(ApiTokenFilter.ORDER - 1).handler(this::admit);
  }

  private void admit(RoutingContext rc) {
    if (admissible(rc)) {
      rc.put(ApiTokenFilter.ADMITTED, "dashboard");
    }
    rc.next();
  }

  private boolean admissible(RoutingContext rc) {
    if (rc.request().getHeader("Authorization") != null || rc.request().method() != HttpMethod.GET) {
      return false;
    }
    Cookie cookie = rc.request().getCookie(DashboardLoginResource.COOKIE);
    return cookie != null && READABLE.matcher(rc.normalizedPath()).matches()
        && sameOrigin(rc.request().getHeader("Origin"), rc.request().getHeader("Host"))
        && tokens.valid(cookie.getValue());
  }

  /** A request without Origin comes from no other page (browsers send it on cross-origin requests and WebSockets). */
  static boolean sameOrigin(String origin, String host) {
    if (origin == null) {
      return true;
    }
    try {
      URI o = URI.create(origin);
      String authority = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
      return o.getHost() != null && host != null && (authority.equalsIgnoreCase(host)
          || (o.getPort() < 0 && host.equalsIgnoreCase(o.getHost() + ":" + defaultPort(o.getScheme()))));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static int defaultPort(String scheme) {
    return "https".equalsIgnoreCase(scheme) ? 443 : 80;
  }
}
