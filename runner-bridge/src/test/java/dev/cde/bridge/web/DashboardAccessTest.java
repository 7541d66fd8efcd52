package dev.cde.bridge.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.TunnelTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's login and what its cookie opens: the read-only API routes the page uses, from its own origin, and
 * nothing else. On the whole app (stand-in agent).
 */
@QuarkusTest
class DashboardAccessTest {
  @Inject
  BridgeHome home;
  @Inject
  SigningKeys keys;

  @TestHTTPResource("/")
  URI root;

  String apiToken() throws Exception {
    return Files.readString(home.apiToken()).strip();
  }

  RequestSpecification bearer() throws Exception {
    return given().header("Authorization", "Bearer " + apiToken());
  }

  Response login(String token) {
    return given().contentType(ContentType.URLENC).formParam("token", token).post("/dashboard/login");
  }

  String loginCookie() throws Exception {
    return login(apiToken()).then().statusCode(204).extract().cookie(DashboardLoginResource.COOKIE);
  }

  RequestSpecification withCookie(String value) {
    return given().cookie(DashboardLoginResource.COOKIE, value);
  }

  @Test
  void wrongTokenGetsNoCookie() {
    login("not-the-token").then().statusCode(401).contentType(containsString("application/problem+json"))
        .body("detail", equalTo("wrong API token")).header("Set-Cookie", emptyOrNullString());
    given().contentType(ContentType.URLENC).post("/dashboard/login").then().statusCode(401)
        .body("detail", containsString("missing form field 'token'"));
  }

  @Test
  void theCookieIsHttpOnlyStrictShortLivedAndNotTheToken() throws Exception {
    Response r = login(apiToken());
    r.then().statusCode(204);
    String header = r.getHeader("Set-Cookie");
    assertThat(header).startsWith(DashboardLoginResource.COOKIE + "=").contains("HttpOnly").contains("SameSite=Strict")
        .contains("Path=/").contains("Max-Age=28800").doesNotContain(apiToken());
    String value = r.getCookie(DashboardLoginResource.COOKIE);
    // Its own audience: it is not an API token, and an API route that is not the dashboard's does not take it.
    given().header("Authorization", "Bearer " + value).get("/api/v1/sessions").then().statusCode(401);
    assertThat(value).isNotEqualTo(apiToken());
  }

  @Test
  void opensTheRoutesTheDashboardReads() throws Exception {
    String cookie = loginCookie();
    String id = bearer().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions?wait=true").then()
        .statusCode(201).extract().path("id");
    try {
      for (String path : List.of("/api/v1/sessions?limit=5", "/api/v1/sessions/" + id, "/api/v1/sessions/" + id
          + "/logs", "/api/v1/sessions/" + id + "/cost", "/api/v1/sessions/" + id + "/terminals", "/api/v1/costs",
          "/api/v1/costs?groupBy=day&format=csv", "/api/v1/cache/usage", "/api/v1/github/jobs",
          "/api/v1/github/runners")) {
        withCookie(cookie).get(path).then().statusCode(200);
      }
      // The same page's origin (browsers send it with WebSockets and cross-origin requests).
      withCookie(cookie).header("Origin", "http://" + root.getAuthority()).get("/api/v1/sessions").then()
          .statusCode(200);
      // ... and nothing else: no change, no tunnel, no route the page does not read, no other origin.
      withCookie(cookie).contentType(ContentType.JSON).body("{}").post("/api/v1/sessions").then().statusCode(401);
      withCookie(cookie).delete("/api/v1/sessions/" + id).then().statusCode(401);
      withCookie(cookie).get("/api/v1/sessions/" + id + "/tunnel").then().statusCode(401);
      withCookie(cookie).get("/api/v1/sessions/" + id + "/../" + id + "/tunnel").then().statusCode(401);
      withCookie(cookie).get("/api/v1/git-mirrors").then().statusCode(401);
      withCookie(cookie).header("Origin", "http://" + root.getHost() + ":1").get("/api/v1/sessions").then()
          .statusCode(401);
      withCookie(cookie).header("Origin", "https://evil.example").get("/api/v1/costs").then().statusCode(401);
      bearer().get("/api/v1/sessions/" + id).then().statusCode(200).body("state", equalTo("RUNNING"));
    } finally {
      bearer().delete("/api/v1/sessions/" + id).then().statusCode(200);
    }
  }

  @Test
  void forgedExpiredOrForeignTokensAreRefused() throws Exception {
    String expired = TunnelTokens.issue(keys.privateKey(), DashboardTokens.AUDIENCE, DashboardTokens.SUBJECT,
        Duration.ofMinutes(-5));
    String foreign = TunnelTokens.issue(keys.privateKey(), "cde-github-hook", DashboardTokens.SUBJECT,
        Duration.ofMinutes(5));
    String otherKey = TunnelTokens.issue(TunnelTokens.generateKeyPair().getPrivate(), DashboardTokens.AUDIENCE,
        DashboardTokens.SUBJECT, Duration.ofMinutes(5));
    for (String bad : List.of(expired, foreign, otherKey, apiToken(), "garbage")) {
      withCookie(bad).get("/api/v1/sessions").then().statusCode(401);
    }
  }

  @Test
  void logoutClearsTheCookie() {
    Response r = given().post("/dashboard/logout");
    r.then().statusCode(204);
    assertThat(r.getHeader("Set-Cookie")).startsWith(DashboardLoginResource.COOKIE + "=;").contains("Max-Age=0");
  }

  @Test
  void thePageAndEveryFileItNamesAreServed() {
    given().redirects().follow(false).get("/dashboard").then().statusCode(302)
        .header("Location", containsString("/dashboard/"));
    String html = given().get("/dashboard/").then().statusCode(200).contentType(containsString("text/html"))
        .header("Content-Security-Policy", containsString("script-src 'self'"))
        .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
        .header("X-Content-Type-Options", "nosniff").extract().asString();
    List<String> files = new ArrayList<>();
    Matcher m = Pattern.compile("(?:src|href)=\"(?!data:)([^\"#]+)\"").matcher(html);
    while (m.find()) {
      files.add(m.group(1));
    }
    assertThat(files).contains("/webjars/chart.js/4.5.1/dist/chart.umd.js", "/webjars/xterm/4.9.0/lib/xterm.js",
        "dashboard.js");
    for (String f : files) {
      String path = f.startsWith("/") ? f : "/dashboard/" + f;
      given().get(path).then().statusCode(200).body(not(emptyOrNullString()))
          .contentType(f.endsWith(".css") ? containsString("text/css") : containsString("javascript"));
    }
  }

  @Test
  void sessionListLimitIsChecked() throws Exception {
    bearer().get("/api/v1/sessions?limit=0").then().statusCode(400).body("detail", containsString("limit '0'"));
    bearer().get("/api/v1/sessions?limit=many").then().statusCode(400);
    bearer().get("/api/v1/sessions?limit=2").then().statusCode(200).body("size()", org.hamcrest.Matchers.lessThanOrEqualTo(2));
  }
}
