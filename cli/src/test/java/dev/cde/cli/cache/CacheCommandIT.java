package dev.cde.cli.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.cli.RealBridge;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code cde cache} as a job's script uses it: the real bridge, sessions created through the API with a cache
 * scope (as the GitLab executor creates them), and the real cde.jar run inside the real agent's sandbox, with
 * nothing but the environment the bridge gives every process there.
 */
class CacheCommandIT {
  static RealBridge bridge;
  static Vertx vertx;
  static HttpClient http;
  // -Dcde.test.cli-java=<jlinked runtime>/bin/java runs cde on the function image's JRE (function-image/README.md).
  static final String JAVA = System.getProperty("cde.test.cli-java", "java");
  /** cde as the host runs it, outside any session. */
  static final String CDE_HOST = JAVA + " -jar " + RealBridge.root().resolve("cli/target/cde.jar");
  /**
   * cde as a job runs it: the jar is staged in the session's workspace (see {@link #session}), because the
   * sandbox shows its own /tmp, where a checkout under /tmp (a CI clone) is not. {@code $W} is the workspace,
   * exported by {@link #sh}.
   */
  static final String CDE = JAVA + " -jar $W/.cde-test/cde.jar";

  @BeforeAll
  static void start() throws Exception {
    bridge = RealBridge.start();
    vertx = Vertx.vertx();
    http = TunnelClient.httpClient(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (bridge != null) {
      bridge.close();
    }
  }

  record Result(int code, String out, String err) {
  }

  @Test
  void aJobSavesAnotherRestoresByRestoreKeyAndAMissGoesOnUnlessItMustNot() throws Exception {
    String scope = "{\"repository\":\"gitlab.example.com/g/app\",\"ref\":\"refs/heads/main\","
        + "\"defaultRef\":\"refs/heads/main\"}";
    String first = session(scope);
    Result miss = sh(first, "mkdir -p deps/sub .m2/repository/org && echo hello > deps/sub/a.txt"
        + " && head -c 3000000 /dev/urandom > .m2/repository/org/x.jar && sha256sum .m2/repository/org/x.jar > sum"
        + " && " + CDE + " cache restore --key deps-1 --path deps --path '~/.m2/repository'"
        + " && " + CDE + " cache save --key deps-1 --path deps --path '~/.m2/repository'"
        + " && " + CDE + " cache save --key deps-1 --path deps --path '~/.m2/repository'; cat sum");
    assertThat(miss.code()).as(miss.err()).isZero();
    assertThat(miss.out()).contains("cache-hit=false");
    assertThat(miss.err()).contains("cde cache: no entry for deps-1").contains("cde cache: saved deps-1: 2 files")
        .contains("not saved: cache entry deps-1 already exists");
    String sum = miss.out().lines().filter(l -> l.contains("x.jar")).findFirst().orElseThrow().split(" ")[0];

    String second = session(scope);
    Result hit = sh(second, CDE + " cache restore --key deps-2 --restore-key deps- --path deps"
        + " --path '~/.m2/repository' && cat deps/sub/a.txt && sha256sum .m2/repository/org/x.jar"
        // CDE_NAS where the entry's file is not (an empty directory): read through the bridge instead
        + " && mkdir -p not-the-nas && CDE_NAS=$W/not-the-nas " + CDE + " cache restore --key deps-1 --path deps"
        + " --path '~/.m2/repository'"
        + " && " + CDE + " cache restore --key deps-1 --path deps --path '~/.m2/repository' --lookup-only"
        + " && " + CDE + " cache restore --key nope --path deps --fail-on-cache-miss");
    assertThat(hit.code()).as(hit.err()).isEqualTo(7);
    assertThat(hit.out()).contains("cache-hit=false\ncache-matched-key=deps-1\nhello\n" + sum)
        .contains("cache-hit=true\ncache-matched-key=deps-1");
    assertThat(hit.err()).contains("cde: no cache entry for nope");
    // The instance reads the entry from its read-only NAS mount (CDE_NAS); where that fails, from the bridge.
    assertThat(hit.err()).containsPattern("restored deps-1: 2 files in [0-9.]+ s \\(read from the NAS mount\\)\n")
        .containsPattern("restored deps-1: 2 files in [0-9.]+ s\n");
    // The token is in the process's environment, never in what cde prints.
    assertThat(hit.err() + hit.out() + miss.err()).doesNotContain("eyJ");

    // Another repository does not see it.
    String other = session(scope.replace("g/app", "g/other"));
    Result isolated = sh(other, CDE + " cache restore --key deps-1 --path deps --path '~/.m2/repository'");
    assertThat(isolated.out()).contains("cache-hit=false");
    assertThat(isolated.code()).isZero();
  }

  /**
   * action/cache's scripts as GitHub's runner runs them: inputs in INPUT_*, outputs and state appended to the
   * GITHUB_OUTPUT and GITHUB_STATE files, state given back to the post step as STATE_*, `cde` on PATH.
   */
  @Test
  void theActionRestoresAtItsStepAndSavesInItsPostStep() throws Exception {
    String scope = "{\"repository\":\"octo/action\",\"ref\":\"refs/heads/main\",\"defaultRef\":\"refs/heads/main\"}";
    String action = "$W/.cde-test/action";
    // The runner passes inputs with dashes (INPUT_RESTORE-KEYS), which sh cannot export: env(1) can.
    String runner = "mkdir -p bin && printf '#!/bin/sh\\nexec " + CDE + " \"$@\"\\n' > bin/cde && chmod +x bin/cde"
        + " && export PATH=$PWD/bin:$PATH && : > out1 && : > state1 && : > out2 && : > state2";
    String inputs = "env INPUT_KEY=m2-abc INPUT_RESTORE-KEYS=m2- \"INPUT_PATH=$(printf '%s\\n' '~/.m2/repository'"
        + " build/out)\" INPUT_FAIL-ON-CACHE-MISS=false INPUT_LOOKUP-ONLY=false";
    String step = "GITHUB_OUTPUT=$PWD/out1 GITHUB_STATE=$PWD/state1 " + inputs + " node " + action + "/main.js"
        + " && cat out1";
    String post = "env $(sed 's/^/STATE_/' state1) node " + action + "/post.js";
    String first = session(scope);
    Result saved = sh(first, runner + " && mkdir -p .m2/repository/org build/out && echo jar > .m2/repository/org/a.jar"
        + " && echo bin > build/out/b && " + step + " && " + post);
    assertThat(saved.code()).as(saved.out() + saved.err()).isZero();
    assertThat(saved.out()).contains("cache-hit=false").contains("cde cache: saved m2-abc: 2 files");

    String second = session(scope);
    Result restored = sh(second, runner + " && " + step + " && cat .m2/repository/org/a.jar build/out/b && " + post
        + " && GITHUB_OUTPUT=$PWD/out2 GITHUB_STATE=$PWD/state2 env INPUT_KEY=other INPUT_PATH=build/out"
        + " INPUT_FAIL-ON-CACHE-MISS=true node " + action + "/main.js; echo rc=$?; cat out2");
    assertThat(restored.out()).as(restored.err()).containsSubsequence("cache-hit=true", "jar", "bin",
        "m2-abc was restored exactly; not saving it again", "::error::cde cache restore failed (exit 7)", "rc=1",
        "cache-hit=false");
  }

  /**
   * An entry damaged on the NAS (bit rot: same size, other bytes): restore is a miss with a warning and leaves none
   * of its files; the bridge, told, reads it again, removes it, and the next job's save stores the key afresh.
   */
  @Test
  void aDamagedEntryIsAMissItsFilesAreRemovedAndTheBridgeFreesItsKey() throws Exception {
    String repo = "octo/rot-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    String scope = "{\"repository\":\"" + repo + "\",\"ref\":\"refs/heads/main\",\"defaultRef\":\"refs/heads/main\"}";
    Result saved = sh(session(scope), "mkdir -p deps && head -c 2000000 /dev/urandom > deps/x.jar && echo a > deps/a.txt"
        + " && " + CDE + " cache save --key rot-1 --path deps");
    assertThat(saved.err()).as(saved.out()).contains("saved rot-1: 2 files");
    Path entries = bridge.home.resolve("nas/archives/entries").resolve(repo.replace('/', '_'));
    Path file;
    try (var files = Files.list(entries)) {
      file = files.findFirst().orElseThrow();
    }
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[64 << 10]), 4096);
    }

    Result damaged = sh(session(scope), CDE + " cache restore --key rot-1 --path deps; echo rc=$?; ls deps 2>&1");
    assertThat(damaged.out()).contains("cache-hit=false", "rc=0").doesNotContain("x.jar");
    assertThat(damaged.err()).contains("warning: the entry rot-1 does not read to its end")
        .contains("the bridge found rot-1 damaged too and removed it");
    // The key is free again: the next job saves it.
    Result again = sh(session(scope), "mkdir -p deps && echo b > deps/b.txt && " + CDE
        + " cache save --key rot-1 --path deps && rm -rf deps && " + CDE + " cache restore --key rot-1 --path deps"
        + " && cat deps/b.txt");
    assertThat(again.err()).as(again.out()).contains("saved rot-1: 1 files");
    assertThat(again.out()).contains("cache-hit=true", "b");
  }

  @Test
  void outsideASessionRestoreGoesOnColdAndSaveWarns() throws Exception {
    Path dir = Files.createTempDirectory("cde-cache-it");
    Files.writeString(dir.resolve("f"), "x");
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", CDE_HOST + " cache restore --key k --path f; echo rc=$?; "
        + CDE_HOST + " cache restore --key k --path f --fail-on-cache-miss; echo rc=$?; "
        + CDE_HOST + " cache save --key k --path f; echo rc=$?; "
        + "CDE_CACHE_TOKEN=bogus CDE_CALLBACK_URL=" + bridge.url() + " " + CDE_HOST + " cache restore --key k --path f;"
        + " echo rc=$?").directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("CDE_CACHE_TOKEN");
    pb.environment().remove("CDE_CALLBACK_URL");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    assertThat(out).containsSubsequence("cache-hit=false", "warning: no cache: CDE_CACHE_TOKEN is not set", "rc=0",
        "cde: CDE_CACHE_TOKEN is not set", "rc=3", "warning: not saved: CDE_CACHE_TOKEN is not set", "rc=0",
        "warning: no cache: the bridge refused the cache token", "rc=0");
    assertThat(out).doesNotContain("bogus");
  }

  private String session(String cacheScope) throws Exception {
    var r = bridge.api(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/v1/sessions?wait=true"))
        .header("Authorization", "Bearer " + bridge.token()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"cpu\":1,\"memory\":\"1g\",\"cacheScope\":" + cacheScope + "}")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = RealBridge.JSON.readTree(r.body()).path("id").asText();
    // The local provider's workspace of the session, as the host sees it (LocalProvider: <home>/instances/<id>).
    Path staged = Files.createDirectories(bridge.home.resolve("instances").resolve(id).resolve(".cde-test"));
    Files.copy(RealBridge.root().resolve("cli/target/cde.jar"), staged.resolve("cde.jar"));
    Path action = Files.createDirectories(staged.resolve("action"));
    try (var files = Files.list(RealBridge.root().resolve("action/cache"))) {
      for (Path f : files.toList()) {
        Files.copy(f, action.resolve(f.getFileName()));
      }
    }
    return id;
  }

  /** Runs a shell script in the session's workspace through the bridge, as the GitLab executor's run stage does. */
  private Result sh(String sessionId, String script) throws Exception {
    TunnelSession tunnel = TunnelClient.connect(vertx, http,
        URI.create(bridge.wsUrl() + "/api/v1/sessions/" + sessionId + "/tunnel"),
        Map.of("Authorization", "Bearer " + bridge.token()), Hello.of("client", "it"), new TunnelOptions())
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    try {
      Channel ch = tunnel.open(OpenRequest.exec(List.of("sh", "-c", "export W=$PWD; " + script), null, null))
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      StringBuffer out = new StringBuffer();
      StringBuffer err = new StringBuffer();
      CompletableFuture<Integer> exit = new CompletableFuture<>();
      ch.handler(b -> out.append(b.toString()));
      ch.errHandler(b -> err.append(b.toString()));
      ch.exitHandler(s -> exit.complete(s.code() == null ? -1 : s.code()));
      int code = exit.get(120, TimeUnit.SECONDS);
      Thread.sleep(200);
      return new Result(code, out.toString(), err.toString());
    } finally {
      tunnel.close("done");
    }
  }
}
