package dev.cde.bridge.cache.nix;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.TunnelTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The push routes' checks, with made-up NARs (the bridge does not read inside one; nix checks it on use). */
@QuarkusTest
class NixPushApiTest {
  @Inject
  SigningKeys keys;
  @Inject
  NixBinaryCache cache;
  @Inject
  NixInstanceEnv instanceEnv;
  @TestHTTPResource("/nix/push")
  URI push;

  private final Random random = new Random();

  @Test
  void pushNeedsASessionTokenForNixPushes() {
    byte[] nar = bytes(100);
    given().body(nar).put(push + "/nar/" + hash(nar) + ".nar").then().statusCode(401);
    String hookToken = TunnelTokens.issue(keys.privateKey(), "cde-github-hook", "s-1", Duration.ofMinutes(5));
    given().header("Authorization", "Bearer " + hookToken).body(nar).put(push + "/nar/" + hash(nar) + ".nar")
        .then().statusCode(401).body(containsString("invalid token"));
  }

  @Test
  void aNarWhoseHashIsNotItsNameIsRefused() {
    byte[] nar = bytes(100);
    String other = hash(bytes(10));
    given().header("Authorization", "Bearer " + token()).body(nar).put(push + "/nar/" + other + ".nar")
        .then().statusCode(400).body(containsString("not " + other));
    assertThat(cache.hasNar(other)).isFalse();
  }

  @Test
  void aPathIsPublishedSignedOnlyWithItsNarAndReferences() throws Exception {
    byte[] depNar = bytes(300);
    byte[] nar = bytes(200);
    String dep = storeName("dep");
    String path = storeName("app");
    String info = narinfo(path, nar, dep);
    given().header("Authorization", "Bearer " + token()).body(info).put(push + "/narinfo/" + path.substring(0, 32) + ".narinfo")
        .then().statusCode(400).body(containsString("was not uploaded"));
    putNar(nar);
    given().header("Authorization", "Bearer " + token()).body(info).put(push + "/narinfo/" + path.substring(0, 32) + ".narinfo")
        .then().statusCode(400).body(containsString("refers to paths not in the cache")).body(containsString(dep));
    putNar(depNar);
    given().header("Authorization", "Bearer " + token()).body(narinfo(dep, depNar))
        .put(push + "/narinfo/" + dep.substring(0, 32) + ".narinfo").then().statusCode(200).body(equalTo("published\n"));
    given().header("Authorization", "Bearer " + token()).body(info.replace("NarSize: 200", "NarSize: 201"))
        .put(push + "/narinfo/" + path.substring(0, 32) + ".narinfo").then().statusCode(400)
        .body(containsString("is not the size"));
    given().header("Authorization", "Bearer " + token()).body(info).put(push + "/narinfo/" + dep.substring(0, 32) + ".narinfo")
        .then().statusCode(400).body(containsString("belongs at"));
    given().header("Authorization", "Bearer " + token()).body(info).put(push + "/narinfo/" + path.substring(0, 32) + ".narinfo")
        .then().statusCode(200).body(equalTo("published\n"));
    given().header("Authorization", "Bearer " + token()).body(info).put(push + "/narinfo/" + path.substring(0, 32) + ".narinfo")
        .then().statusCode(200).body(equalTo("already_present\n"));

    NarInfo stored = NarInfo.parse(Files.readString(cache.dir().resolve(path.substring(0, 32) + ".narinfo")));
    assertThat(stored.sigs()).hasSize(1);
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
        cache.dir().resolve(path.substring(0, 32) + ".narinfo")))).isEqualTo("rw-r--r--");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
        cache.dir().resolve(stored.url())))).isEqualTo("rw-r--r--");
    String publicKey = given().get(push.resolve("/nix/public-key")).then().statusCode(200).extract().asString().strip();
    assertThat(publicKey).isEqualTo(cache.publicKey());
  }

  @Test
  void aNarAboveTheHttpBodyLimitStreamsInWhenChunked() throws Exception {
    byte[] nar = bytes(11 * 1024 * 1024); // quarkus.http.limits.max-body-size is 10M
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(push + "/nar/" + hash(nar) + ".nar"))
        .header("Authorization", "Bearer " + token())
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(nar))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Files.size(cache.dir().resolve("nar/" + hash(nar) + ".nar"))).isEqualTo(nar.length);
  }

  @Test
  void instancesGetThePublicKeyAndAPushTokenNeverTheSecret() throws Exception {
    Map<String, String> env = instanceEnv.forSession("s-env", Duration.ofMinutes(30));
    assertThat(env.get("NIX_CONFIG")).isEqualTo("extra-trusted-public-keys = " + cache.publicKey());
    assertThat(env.get("CDE_NIX_PUSH_URL")).endsWith("/nix/push");
    assertThat(TunnelTokens.verify(keys.publicKey(), NixPushRoutes.PUSH_AUDIENCE, env.get("CDE_NIX_PUSH_TOKEN"), null))
        .isEqualTo("s-env");
    String secret = Files.readString(cache.dir().getParent().getParent().resolve("nix-signing-key")).strip();
    assertThat(String.join("\n", env.values())).doesNotContain(secret.substring(secret.indexOf(':') + 1, secret.indexOf(':') + 40));
  }

  private void putNar(byte[] nar) {
    given().header("Authorization", "Bearer " + token()).body(nar).put(push + "/nar/" + hash(nar) + ".nar")
        .then().statusCode(200);
  }

  private String token() {
    return TunnelTokens.issue(keys.privateKey(), NixPushRoutes.PUSH_AUDIENCE, "s-test", Duration.ofMinutes(5));
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private String storeName(String name) {
    byte[] h = new byte[20];
    random.nextBytes(h);
    return NixBase32.encode(h) + "-" + name;
  }

  private static String narinfo(String base, byte[] nar, String... refs) {
    return "StorePath: /nix/store/" + base + "\nURL: nar/" + hash(nar) + ".nar\nCompression: none\n"
        + "NarHash: sha256:" + hash(nar) + "\nNarSize: " + nar.length + "\nReferences: " + String.join(" ", refs) + "\n";
  }

  private static String hash(byte[] b) {
    try {
      return NixBase32.encode(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
