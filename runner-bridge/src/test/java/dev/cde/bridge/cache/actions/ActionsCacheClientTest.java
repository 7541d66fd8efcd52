package dev.cde.bridge.cache.actions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.bridge.cache.archive.CacheStats;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitHub's own cache client, unmodified, saving to and restoring from the bridge: what {@code actions/cache@v4},
 * {@code setup-java}'s and {@code setup-node}'s caching do in a job whose environment points at the bridge.
 */
@QuarkusTest
class ActionsCacheClientTest {
  @TestHTTPResource("/")
  URL bridge;
  @Inject
  ArchiveIndex index;
  @Inject
  ArchiveCacheStore store;
  @Inject
  CacheTokens tokens;

  @TempDir
  Path dir;

  @Test
  void savesRestoresByRestoreKeyMissesAndKeepsTheFirstWritersEntry() throws Exception {
    String repo = "octo/npm-" + UUID.randomUUID().toString().substring(0, 8);
    String session = session(new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
    Path ws = Files.createDirectories(dir.resolve("ws"));
    Path data = Files.createDirectories(ws.resolve("deps/sub"));
    Files.writeString(ws.resolve("deps/a.txt"), "hello cache\n");
    byte[] blob = new byte[3 << 20];
    new Random(42).nextBytes(blob);
    Files.write(data.resolve("b.bin"), blob);

    ActionsCacheNode.Run first = ActionsCacheNode.run(bridge.toString(), tokens.issueForSession(session,
        Duration.ofHours(1)), ws, List.of(
            restore("deps-linux-none", List.of()),
            save("deps-linux-abc"),
            save("deps-linux-abc")));
    assertThat(first.results().get(0).path("matchedKey").isNull()).as(first.output()).isTrue();
    assertThat(first.results().get(1).path("cacheId").asLong()).as(first.output()).isPositive();
    // The second save of one key is told the key is taken, and the job goes on (no throw).
    assertThat(first.results().get(2).path("cacheId").asLong()).as(first.output()).isEqualTo(-1);
    assertThat(first.output()).contains("Unable to reserve cache with key deps-linux-abc");

    // Another job (a fresh session of the same repository and branch) restores through a restore key.
    String second = session(new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
    Path ws2 = Files.createDirectories(dir.resolve("ws2"));
    ActionsCacheNode.Run restored = ActionsCacheNode.run(bridge.toString(), tokens.issueForSession(second,
        Duration.ofHours(1)), ws2, List.of(
            restore("deps-linux-xyz", List.of("deps-mac-", "deps-linux-")),
            restore("deps-linux-abc", List.of())));
    JsonNode partial = restored.results().get(0);
    assertThat(partial.path("matchedKey").asText()).as(restored.output()).isEqualTo("deps-linux-abc");
    assertThat(Files.readString(ws2.resolve("deps/a.txt"))).isEqualTo("hello cache\n");
    assertThat(Files.readAllBytes(ws2.resolve("deps/sub/b.bin"))).isEqualTo(blob);
    assertThat(restored.results().get(1).path("matchedKey").asText()).isEqualTo("deps-linux-abc");

    assertThat(store.stats(session)).get().extracting(CacheStats::misses, CacheStats::hits)
        .containsExactly(1, 0);
    CacheStats s2 = store.stats(second).orElseThrow();
    assertThat(s2.partialHits()).isEqualTo(1);
    assertThat(s2.hits()).isEqualTo(1);
    assertThat(s2.bytesRestored()).isPositive();
  }

  @Test
  void anArchiveOverTheSingleShotSizeArrivesInBlocks() throws Exception {
    // @actions/cache puts archives over 128 MiB as 64 MiB blocks plus a block list (Azure's staged upload).
    String repo = "octo/big-" + UUID.randomUUID().toString().substring(0, 8);
    String session = session(new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
    Path ws = Files.createDirectories(dir.resolve("big"));
    byte[] chunk = new byte[1 << 20];
    Random r = new Random(7);
    Files.createDirectories(ws.resolve("out"));
    try (var out = Files.newOutputStream(ws.resolve("out/random.bin"))) {
      for (int i = 0; i < 140; i++) {
        r.nextBytes(chunk);
        out.write(chunk);
      }
    }
    String token = tokens.issueForSession(session, Duration.ofHours(1));
    ActionsCacheNode.Run run = ActionsCacheNode.run(bridge.toString(), token, ws, List.of(
        Map.of("op", "save", "paths", List.of("out"), "key", "big-1")));
    assertThat(run.results().get(0).path("cacheId").asLong()).as(run.output()).isPositive();
    long expected = Files.size(ws.resolve("out/random.bin"));
    Files.delete(ws.resolve("out/random.bin"));
    ActionsCacheNode.Run back = ActionsCacheNode.run(bridge.toString(), token, ws, List.of(
        Map.of("op", "restore", "paths", List.of("out"), "key", "big-1")));
    assertThat(back.results().get(0).path("matchedKey").asText()).as(back.output()).isEqualTo("big-1");
    assertThat(Files.size(ws.resolve("out/random.bin"))).isEqualTo(expected);
  }

  @Test
  void anArchiveCorruptedOnTheNasIsAMissWithAWarningAndAWrongTokenIsAMiss() throws Exception {
    String repo = "octo/rot-" + UUID.randomUUID().toString().substring(0, 8);
    String session = session(new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
    Path ws = Files.createDirectories(dir.resolve("rot"));
    Files.createDirectories(ws.resolve("deps"));
    byte[] blob = new byte[1 << 20];
    new Random(3).nextBytes(blob);
    Files.write(ws.resolve("deps/x.bin"), blob);
    String token = tokens.issueForSession(session, Duration.ofHours(1));
    ActionsCacheNode.Run saved = ActionsCacheNode.run(bridge.toString(), token, ws, List.of(save("rot-1")));
    assertThat(saved.results().get(0).path("cacheId").asLong()).as(saved.output()).isPositive();
    // Bit rot (or a half-copied NAS restore): the archive keeps its size but not its content.
    Path file = store.file(index.leastRecentlyUsed(repo).get(0));
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[64 << 10]), 1024);
    }
    Path ws2 = Files.createDirectories(dir.resolve("rot2"));
    ActionsCacheNode.Run back = ActionsCacheNode.run(bridge.toString(), token, ws2, List.of(restore("rot-1",
        List.of())));
    assertThat(back.results().get(0).has("error")).as(back.output()).isFalse();
    assertThat(back.results().get(0).path("matchedKey").isNull()).as(back.output()).isTrue();
    assertThat(back.output()).contains("::warning::");

    // A token the bridge did not sign gets no cache at all: a miss with a warning, and the job goes on.
    ActionsCacheNode.Run stranger = ActionsCacheNode.run(bridge.toString(), "not-a-cde-token", ws2,
        List.of(restore("rot-1", List.of())));
    assertThat(stranger.results().get(0).path("matchedKey").isNull()).as(stranger.output()).isTrue();
    assertThat(stranger.output()).contains("::warning::");
  }

  /**
   * Unmodified {@code actions/cache} on a patched runner speaks the older REST protocol to
   * {@code ACTIONS_CACHE_URL=<bridge>/_cde/cache/<session cache token>/}: 8 MiB chunks, four at a time, land in
   * their places; a second job restores by restore key; a foreign token in the path is a miss with a warning.
   */
  @Test
  void theOlderRestProtocolWithTheSessionTokenInTheUrlSavesAndRestores() throws Exception {
    String repo = "octo/v1-" + UUID.randomUUID().toString().substring(0, 8);
    String session = session(new CacheScope(repo, "refs/heads/main", "refs/heads/main"));
    Path ws = Files.createDirectories(dir.resolve("v1"));
    Files.createDirectories(ws.resolve("deps"));
    byte[] blob = new byte[20 << 20];
    new Random(11).nextBytes(blob);
    Files.write(ws.resolve("deps/x.bin"), blob);
    String url = bridge.toString().replaceAll("/+$", "") + "/_cde/cache/" + tokens.issueForSession(session,
        Duration.ofHours(1)) + "/";
    // 8 MiB chunks (instead of 32) so that several arrive at once and out of order.
    ActionsCacheNode.Run saved = ActionsCacheNode.runV1(url, ws, List.of(
        Map.of("op", "save", "paths", List.of("deps"), "key", "v1-abc", "uploadChunkSize", 8 << 20),
        save("v1-abc")));
    assertThat(saved.results().get(0).path("cacheId").asLong()).as(saved.output()).isPositive();
    assertThat(saved.results().get(1).path("cacheId").asLong()).as(saved.output()).isEqualTo(-1);
    assertThat(saved.output()).contains("Unable to reserve cache with key v1-abc");

    String second = session(new CacheScope(repo, "refs/heads/feature", "refs/heads/main"));
    Path ws2 = Files.createDirectories(dir.resolve("v1b"));
    String url2 = bridge.toString().replaceAll("/+$", "") + "/_cde/cache/" + tokens.issueForSession(second,
        Duration.ofHours(1)) + "/";
    ActionsCacheNode.Run back = ActionsCacheNode.runV1(url2, ws2, List.of(restore("v1-xyz", List.of("v1-"))));
    assertThat(back.results().get(0).path("matchedKey").asText()).as(back.output()).isEqualTo("v1-abc");
    assertThat(Files.readAllBytes(ws2.resolve("deps/x.bin"))).isEqualTo(blob);

    ActionsCacheNode.Run stranger = ActionsCacheNode.runV1(bridge.toString() + "_cde/cache/not-a-token/", ws2,
        List.of(restore("v1-abc", List.of())));
    assertThat(stranger.results().get(0).path("matchedKey").isNull()).as(stranger.output()).isTrue();
    assertThat(stranger.output()).contains("::warning::");
  }

  private String session(CacheScope scope) {
    String id = "s" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    index.recordScope(id, scope);
    return id;
  }

  private static Map<String, Object> save(String key) {
    return Map.of("op", "save", "paths", List.of("deps"), "key", key);
  }

  private static Map<String, Object> restore(String key, List<String> restoreKeys) {
    return Map.of("op", "restore", "paths", List.of("deps"), "key", key, "restoreKeys", restoreKeys);
  }
}
