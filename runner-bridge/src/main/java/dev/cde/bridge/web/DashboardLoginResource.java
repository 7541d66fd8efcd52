package dev.cde.bridge.web;

import dev.cde.bridge.auth.ApiToken;
import dev.cde.bridge.problem.UnauthorizedException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /dashboard/login} (form field {@code token}: the API token) sets the dashboard's cookie;
 * {@code POST /dashboard/logout} clears it. The cookie is HttpOnly (no script reads it), SameSite=Strict (no other
 * site's page sends it), Secure when the bridge is reached over HTTPS, and holds a signed token of its own
 * ({@link DashboardTokens}), never the API token.
 */
@Path("/dashboard")
public class DashboardLoginResource {
  static final String COOKIE = "cde_dashboard";

  private final ApiToken apiToken;
  private final DashboardTokens tokens;

  public DashboardLoginResource(ApiToken apiToken, DashboardTokens tokens) {
    this.apiToken = apiToken;
    this.tokens = tokens;
  }

  @POST
  @Path("login")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response login(@FormParam("token") String token, @Context HttpServerRequest request) {
    if (token == null || token.isBlank() || !apiToken.matches("Bearer " + token.strip())) {
      throw new UnauthorizedException(token == null || token.isBlank() ? "missing form field 'token' (the API token,"
          + " in <cde.home>/api-token)" : "wrong API token");
    }
    return Response.noContent().cookie(cookie(tokens.issue(), (int) tokens.ttl().toSeconds(), request)).build();
  }

  @POST
  @Path("logout")
  public Response logout(@Context HttpServerRequest request) {
    return Response.noContent().cookie(cookie("", 0, request)).build();
  }

  private static NewCookie cookie(String value, int maxAge, HttpServerRequest request) {
    return new NewCookie.Builder(COOKIE).value(value).path("/").httpOnly(true).sameSite(NewCookie.SameSite.STRICT)
        .secure(request.isSSL() || "https".equalsIgnoreCase(request.scheme())).maxAge(maxAge).build();
  }
}
