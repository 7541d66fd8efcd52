package dev.cde.bridge.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.github.luben.zstd.ZstdOutputStream;
import dev.cde.bridge.cache.actions.CacheTokens;
import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.cache.nix.NixPushRoutes;
import dev.cde.bridge.github.runners.RunnerLauncher;
import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.TunnelTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Who may do what. Four kinds of credential reach the bridge: the API token (the operator; all of /api/v1), the
 * dashboard's cookie (read-only routes, see DashboardAccessTest), the per-session tokens instances call back with
 * (cache, runner hooks, nix push: one session, one audience, expiring, dead with their session), and the GitLab
 * cache's S3 signatures (GitlabS3CacheTest). Tenancy is the repository: a session's cache scope comes from the
 * bridge's record of the session, never from what its token or request says.
 */
@QuarkusTest
class TenancyTest {
  private static final String CACHE = "/twirp/github.actions.results.api.v1.CacheService/";

  @Inject
  BridgeHome home;
  @Inject
  SigningKeys keys;
  @Inject
  CacheTokens cacheTokens;
  @Inject
  ArchiveCacheStore store;

  private String apiToken() throws Exception {
    return Files.readString(home.apiToken()).strip();
  }

  private String session(String repository) throws Exception {
    return given().header("Authorization", "Bearer " + apiToken()).contentType(ContentType.JSON)
        .body("{\"maxDuration\":\"10m\",\"cacheScope\":{\"repository\":\"" + repository + "\",\"ref\":\"refs/heads/main\","
            + "\"defaultRef\":\"refs/heads/main\"}}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).body("state", equalTo("RUNNING")).extract().path("id");
  }

  private void end(String id) throws Exception {
    given().header("Authorization", "Bearer " + apiToken()).delete("/api/v1/sessions/" + id).then().statusCode(200);
  }

  private static Response lookup(String token, String key) {
    return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
        .body("{\"key\":\"" + key + "\",\"version\":\"v1\"}").post(CACHE + "GetCacheEntryDownloadURL");
  }

  private static Response hook(String token) {
    return given().header("Authorization", "Bearer " + token).contentType(ContentType.URLENC)
        .post("/github/hooks/job-completed");
  }

  private static Response nixPush(String token) {
    return given().header("Authorization", "Bearer " + token).contentType("text/x-nix-narinfo")
        .body("not a narinfo").put("/nix/push/narinfo/00000000000000000000000000000000.narinfo");
  }

  @Test
  void aSessionsCacheTokenReadsItsOwnRepositoryAndNoOther() throws Exception {
    String a = session("octo/alpha");
    String b = session("octo/beta");
    try {
      Path upload = store.newUpload();
      Files.write(upload, archive("secret-of-alpha.txt", "alpha's build output"));
      store.publish(new CacheScope("octo/alpha", "refs/heads/main", "refs/heads/main"), "deps-1", "v1", upload, a);
      String tokenA = cacheTokens.issueForSession(a, Duration.ofMinutes(10));
      String tokenB = cacheTokens.issueForSession(b, Duration.ofMinutes(10));
      lookup(tokenA, "deps-1").then().statusCode(200).body("ok", equalTo(true));
      // Same key, same version, another repository's job: a miss, as if alpha's entry did not exist.
      lookup(tokenB, "deps-1").then().statusCode(200).body("ok", equalTo(false));
      // Nothing in the request can widen the scope: the scope is the session's record, not a field.
      given().header("Authorization", "Bearer " + tokenB).contentType(ContentType.JSON)
          .body("{\"key\":\"deps-1\",\"version\":\"v1\",\"repository\":\"octo/alpha\"}")
          .post(CACHE + "GetCacheEntryDownloadURL").then().statusCode(200).body("ok", equalTo(false));
    } finally {
      end(a);
      end(b);
    }
  }

  @Test
  void perSessionTokensDieWithTheirSession() throws Exception {
    String id = session("octo/ending");
    String cache = cacheTokens.issueForSession(id, Duration.ofMinutes(10));
    String hookToken = TunnelTokens.issue(keys.privateKey(), RunnerLauncher.HOOK_AUDIENCE, id, Duration.ofMinutes(10));
    String push = TunnelTokens.issue(keys.privateKey(), NixPushRoutes.PUSH_AUDIENCE, id, Duration.ofMinutes(10));
    // While the session lives each token is taken (the answers are about the request, not the token).
    lookup(cache, "nothing").then().statusCode(200).body("ok", equalTo(false));
    assertThat(hook(hookToken).statusCode()).isNotEqualTo(401);
    nixPush(push).then().statusCode(400);
    given().get("/_apis/artifactcache/cache?keys=x&version=v1".replace("/_apis", "/_cde/cache/" + cache + "/_apis"))
        .then().statusCode(204);
    end(id);
    // A job that printed its environment leaked nothing that outlives it.
    lookup(cache, "nothing").then().statusCode(401).body("msg", containsString("has ended"));
    hook(hookToken).then().statusCode(401).body("detail", containsString("has ended"));
    nixPush(push).then().statusCode(401).body("detail", containsString("has ended"));
    given().get("/_cde/cache/" + cache + "/_apis/artifactcache/cache?keys=x&version=v1").then().statusCode(401)
        .body("message", containsString("has ended"));
  }

  @Test
  void expiredAndForeignTokensAreRefusedEverywhereInstancesCall() throws Exception {
    String id = session("octo/expiry");
    try {
      for (Map.Entry<String, String> audience : Map.of(CacheTokens.SESSION_AUDIENCE, "cache",
          RunnerLauncher.HOOK_AUDIENCE, "hook", NixPushRoutes.PUSH_AUDIENCE, "nix").entrySet()) {
        String expired = TunnelTokens.issue(keys.privateKey(), audience.getKey(), id, Duration.ofMinutes(-5));
        String forged = TunnelTokens.issue(TunnelTokens.generateKeyPair().getPrivate(), audience.getKey(), id,
            Duration.ofMinutes(10));
        for (String token : List.of(expired, forged)) {
          String why = token == expired ? "token expired" : "bad token signature";
          switch (audience.getValue()) {
            case "cache" -> lookup(token, "k").then().statusCode(401).body("msg", containsString(why));
            case "hook" -> hook(token).then().statusCode(401).body("detail", containsString(why));
            default -> nixPush(token).then().statusCode(401).body("detail", containsString(why));
          }
        }
      }
      // One kind of token is never taken for another: each is signed for its own audience.
      String cache = cacheTokens.issueForSession(id, Duration.ofMinutes(10));
      String hookToken = TunnelTokens.issue(keys.privateKey(), RunnerLauncher.HOOK_AUDIENCE, id, Duration.ofMinutes(10));
      String agent = TunnelTokens.issue(keys.privateKey(), id, Duration.ofMinutes(5)); // the bridge's way into the instance
      hook(cache).then().statusCode(401);
      nixPush(cache).then().statusCode(401);
      lookup(hookToken, "k").then().statusCode(401);
      lookup(agent, "k").then().statusCode(401);
      hook(agent).then().statusCode(401);
    } finally {
      end(id);
    }
  }

  @Test
  void onlyTheApiTokenOpensTheApi() throws Exception {
    String id = session("octo/api");
    try {
      List<String> instanceTokens = List.of(cacheTokens.issueForSession(id, Duration.ofMinutes(10)),
          TunnelTokens.issue(keys.privateKey(), RunnerLauncher.HOOK_AUDIENCE, id, Duration.ofMinutes(10)),
          TunnelTokens.issue(keys.privateKey(), NixPushRoutes.PUSH_AUDIENCE, id, Duration.ofMinutes(10)),
          TunnelTokens.issue(keys.privateKey(), id, Duration.ofMinutes(5)));
      List<String> reads = List.of("/api/v1/sessions", "/api/v1/sessions/" + id, "/api/v1/sessions/" + id + "/cost",
          "/api/v1/sessions/" + id + "/report", "/api/v1/sessions/" + id + "/logs", "/api/v1/github/jobs",
          "/api/v1/github/runners", "/api/v1/costs", "/api/v1/cache/usage", "/api/v1/git-mirrors",
          "/api/v1/gitlab-cache", "/api/v1/sessions/" + id + "/terminals", "/api/v1/no-such-route");
      for (String path : reads) {
        given().get(path).then().statusCode(401).contentType("application/problem+json");
        for (String token : instanceTokens) {
          given().header("Authorization", "Bearer " + token).get(path).then().statusCode(401);
        }
      }
      for (String token : instanceTokens) {
        given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body("{}")
            .post("/api/v1/sessions").then().statusCode(401);
        given().header("Authorization", "Bearer " + token).delete("/api/v1/sessions/" + id).then().statusCode(401);
        given().header("Authorization", "Bearer " + token).get("/api/v1/sessions/" + id + "/tunnel").then()
            .statusCode(401);
      }
      // The session is untouched by all that.
      given().header("Authorization", "Bearer " + apiToken()).get("/api/v1/sessions/" + id).then().statusCode(200)
          .body("state", equalTo("RUNNING"));
    } finally {
      end(id);
    }
  }

  private static byte[] archive(String name, String content) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes))) {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(data.length);
      tar.putArchiveEntry(e);
      tar.write(data);
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }
}
