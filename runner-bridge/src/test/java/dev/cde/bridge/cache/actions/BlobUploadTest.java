package dev.cde.bridge.cache.actions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdOutputStream;
import dev.cde.bridge.cache.CacheRoot;
import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.CacheScope;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Put Blob on the bridge's signed upload URL, the way {@code cde cache save} (and {@code @actions/cache} for a
 * small archive) uploads: the archive is inspected while it arrives, and what finalizing publishes or refuses is
 * exactly what the last try put there.
 */
@QuarkusTest
class BlobUploadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VERSION = ArchiveCacheStore.CDE_VERSION_PREFIX + "blob-upload-test";

  @TestHTTPResource("/")
  URL bridge;
  @Inject
  ArchiveIndex index;
  @Inject
  CacheTokens tokens;
  @Inject
  ArchiveCacheStore store;
  @Inject
  CacheRoot root;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aLargeArchiveIsPublishedAsSentAndARetryReplacesWhatAFailedTryLeft() throws Exception {
    String token = token();
    byte[] archive = archive("0/deps/big.bin", 24 << 20); // three times what the inspection queues: paused, resumed
    String upload = create(token, "large");
    assertThat(put(upload, Arrays.copyOf(archive, archive.length / 3))).isEqualTo("201"); // a try cut short
    assertThat(put(upload, archive)).isEqualTo("201");
    JsonNode done = twirp(token, "FinalizeCacheEntryUpload", "large", archive.length);
    assertThat(done.path("ok").asBoolean()).as(done.toString()).isTrue();
    assertThat(download(token, "large")).isEqualTo(archive);
  }

  @Test
  void anArchiveNamingAPathOutsideIsRefusedAtFinalizeAndNeverServed() throws Exception {
    String token = token();
    byte[] archive = archive("0/../../escape.sh", 2 << 20);
    String upload = create(token, "escape");
    assertThat(put(upload, archive)).isEqualTo("201");
    JsonNode done = twirp(token, "FinalizeCacheEntryUpload", "escape", archive.length);
    assertThat(done.path("ok").asBoolean()).isFalse();
    assertThat(done.path("message").asText()).contains("refused").contains("points outside");
    assertThat(twirp(token, "GetCacheEntryDownloadURL", "escape", -1).path("ok").asBoolean()).isFalse();

    // Cut short, the same archive is corrupt, whatever it names: refused as such.
    byte[] good = archive("0/deps/ok.bin", 2 << 20);
    String cut = create(token, "cut");
    assertThat(put(cut, Arrays.copyOf(good, good.length - 1000))).isEqualTo("201");
    JsonNode refused = twirp(token, "FinalizeCacheEntryUpload", "cut", good.length - 1000);
    assertThat(refused.path("ok").asBoolean()).isFalse();
    assertThat(refused.path("message").asText()).contains("does not read to its end");
  }

  @Test
  void blocksJoinedByTheBlockListAreInspectedOnTheirWayIntoTheArchive() throws Exception {
    String token = token();
    byte[] archive = archive("0/deps/staged.bin", 12 << 20);
    String upload = create(token, "staged");
    int third = archive.length / 3;
    // As the Azure SDK stages a large file: blocks in parallel, so in any order; the list gives the order.
    assertThat(put(upload + "?comp=block&blockid=YjI=", Arrays.copyOfRange(archive, third, 2 * third))).isEqualTo("201");
    assertThat(put(upload + "?comp=block&blockid=YjM=", Arrays.copyOfRange(archive, 2 * third, archive.length)))
        .isEqualTo("201");
    assertThat(put(upload + "?comp=block&blockid=YjE=", Arrays.copyOf(archive, third))).isEqualTo("201");
    String missing = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>YjE=</Latest><Latest>YjQ=</Latest>"
        + "</BlockList>";
    assertThat(put(upload + "?comp=blocklist", missing.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .startsWith("400").contains("which was not uploaded");
    String list = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>YjE=</Latest><Latest>YjI=</Latest>"
        + "<Latest>YjM=</Latest></BlockList>";
    assertThat(put(upload + "?comp=blocklist", list.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo("201");
    JsonNode done = twirp(token, "FinalizeCacheEntryUpload", "staged", archive.length);
    assertThat(done.path("ok").asBoolean()).as(done.toString()).isTrue();
    assertThat(download(token, "staged")).isEqualTo(archive);

    byte[] escape = archive("0/../../escape.bin", 3 << 20);
    String bad = create(token, "staged-escape");
    assertThat(put(bad + "?comp=block&blockid=YjE=", escape)).isEqualTo("201");
    assertThat(put(bad + "?comp=blocklist", list.replace("<Latest>YjI=</Latest><Latest>YjM=</Latest>", "")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo("201");
    JsonNode refused = twirp(token, "FinalizeCacheEntryUpload", "staged-escape", escape.length);
    assertThat(refused.path("ok").asBoolean()).isFalse();
    assertThat(refused.path("message").asText()).contains("points outside");
  }

  /**
   * {@code cde cache restore} where the NAS is mounted asks for the entry's file ({@code "cde_nas": true}): told
   * its path under the NAS root and its size, it reads it there; the bytes count once, at the lookup, and the URL
   * given with it (the fallback when the file went since) counts nothing more. Clients that do not ask, as
   * {@code @actions/cache}, get the usual answer.
   */
  @Test
  void aRestoreReadingTheNasMountIsToldTheEntrysFileAndItsBytesCountOnce() throws Exception {
    String session = session();
    String token = tokens.issueForSession(session, Duration.ofHours(1));
    byte[] archive = archive("0/deps/nas.bin", 1 << 20);
    assertThat(put(create(token, "nas"), archive)).isEqualTo("201");
    assertThat(twirp(token, "FinalizeCacheEntryUpload", "nas", archive.length).path("ok").asBoolean()).isTrue();
    assertThat(twirp(token, "GetCacheEntryDownloadURL", "nas", -1).has("cde_nas")).isFalse();

    JsonNode r = twirp(token, "GetCacheEntryDownloadURL", JSON.createObjectNode().put("key", "nas")
        .put("version", VERSION).put("cde_nas", true));
    JsonNode nas = r.path("cde_nas");
    java.nio.file.Path file = root.root().resolve(nas.path("path").asText()).normalize();
    assertThat(file).startsWith(root.root());
    assertThat(java.nio.file.Files.readAllBytes(file)).isEqualTo(archive);
    assertThat(nas.path("size").asLong()).isEqualTo(archive.length);
    assertThat(store.stats(session).orElseThrow().bytesRestored()).isEqualTo(archive.length);

    byte[] fallback = http.send(HttpRequest.newBuilder(URI.create(r.path("signed_download_url").asText())).GET()
        .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
    assertThat(fallback).isEqualTo(archive);
    // A plain download after it counts (asynchronously, once sent): then the total shows the fallback did not.
    assertThat(download(token, "nas")).isEqualTo(archive);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> store.stats(session).orElseThrow().bytesRestored() >= 2L * archive.length);
    Thread.sleep(300);
    assertThat(store.stats(session).orElseThrow().bytesRestored()).isEqualTo(2L * archive.length);
  }

  /**
   * {@code cde cache restore} reports an entry that did not read to its end: the bridge reads it again and removes
   * it only when it indeed does not, which frees its key for the next save; a whole entry stays, whatever the
   * report says.
   */
  @Test
  void aReportedDamagedEntryIsReadAgainAndRemovedOnlyWhenItIsDamaged() throws Exception {
    String token = token();
    byte[] archive = archive("0/deps/rot.bin", 1 << 20);
    for (String key : java.util.List.of("rot", "whole")) {
      assertThat(put(create(token, key), archive)).isEqualTo("201");
      assertThat(twirp(token, "FinalizeCacheEntryUpload", key, archive.length).path("ok").asBoolean()).isTrue();
    }
    JsonNode rot = twirp(token, "GetCacheEntryDownloadURL", JSON.createObjectNode().put("key", "rot")
        .put("version", VERSION).put("cde_nas", true));
    try (var ch = java.nio.channels.FileChannel.open(root.root().resolve(rot.path("cde_nas").path("path").asText()),
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[64 << 10]), 2048); // bit rot: the size stays, the content not
    }

    JsonNode kept = twirp(token, "CdeReportDamagedCacheEntry", "whole", -1);
    assertThat(kept.path("removed").asBoolean()).as(kept.toString()).isFalse();
    assertThat(kept.path("message").asText()).contains("reads whole");
    assertThat(twirp(token, "GetCacheEntryDownloadURL", "whole", -1).path("ok").asBoolean()).isTrue();
    // Reports in a loop do not make the bridge read it again: damaged now, it is still judged by the last reading
    // (for ArchiveCacheStore.RECHECK_AFTER), so a job cannot keep the bridge busy reading archives.
    JsonNode whole = twirp(token, "GetCacheEntryDownloadURL", JSON.createObjectNode().put("key", "whole")
        .put("version", VERSION).put("cde_nas", true));
    try (var ch = java.nio.channels.FileChannel.open(root.root().resolve(whole.path("cde_nas").path("path").asText()),
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[64 << 10]), 2048);
    }
    assertThat(twirp(token, "CdeReportDamagedCacheEntry", "whole", -1).path("removed").asBoolean()).isFalse();

    JsonNode removed = twirp(token, "CdeReportDamagedCacheEntry", "rot", -1);
    assertThat(removed.path("removed").asBoolean()).as(removed.toString()).isTrue();
    assertThat(twirp(token, "GetCacheEntryDownloadURL", "rot", -1).path("ok").asBoolean()).isFalse();
    assertThat(put(create(token, "rot"), archive)).isEqualTo("201"); // the key is free again
    assertThat(twirp(token, "FinalizeCacheEntryUpload", "rot", archive.length).path("ok").asBoolean()).isTrue();
    assertThat(download(token, "rot")).isEqualTo(archive);

    JsonNode none = twirp(token, "CdeReportDamagedCacheEntry", "never-saved", -1);
    assertThat(none.path("ok").asBoolean()).isFalse();
    assertThat(none.path("removed").asBoolean()).isFalse();

    // Bad input removes nothing: a token the bridge did not sign, a report without the entry's version.
    HttpResponse<String> forged = report("not-a-cde-token", JSON.createObjectNode().put("key", "whole")
        .put("version", VERSION));
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(forged.body()).contains("unauthenticated").doesNotContain(token);
    HttpResponse<String> noVersion = report(token, JSON.createObjectNode().put("key", "whole"));
    assertThat(noVersion.statusCode()).isEqualTo(400);
    assertThat(noVersion.body()).contains("key and version are required");
    assertThat(twirp(token, "GetCacheEntryDownloadURL", "whole", -1).path("ok").asBoolean()).isTrue();
  }

  private HttpResponse<String> report(String token, JsonNode body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(bridge.toString()
        + "twirp/github.actions.results.api.v1.CacheService/CdeReportDamagedCacheEntry"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String token() {
    return tokens.issueForSession(session(), Duration.ofHours(1));
  }

  private String session() {
    String session = "s" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    index.recordScope(session, new CacheScope("octo/blob-" + session.substring(1, 9), "refs/heads/main",
        "refs/heads/main"));
    return session;
  }

  private String create(String token, String key) throws Exception {
    JsonNode r = twirp(token, "CreateCacheEntry", key, -1);
    assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
    return r.path("signed_upload_url").asText();
  }

  private JsonNode twirp(String token, String method, String key, long size) throws Exception {
    var body = JSON.createObjectNode().put("key", key).put("version", VERSION);
    if (size >= 0) {
      body.put("size_bytes", size);
    }
    return twirp(token, method, body);
  }

  private JsonNode twirp(String token, String method, JsonNode body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(bridge.toString()
        + "twirp/github.actions.results.api.v1.CacheService/" + method))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** The status, and the body when it is not 201. */
  private String put(String url, byte[] body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("x-ms-blob-type", "BlockBlob")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 201 ? "201" : r.statusCode() + " " + r.body();
  }

  private byte[] download(String token, String key) throws Exception {
    JsonNode r = twirp(token, "GetCacheEntryDownloadURL", key, -1);
    assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
    return http.send(HttpRequest.newBuilder(URI.create(r.path("signed_download_url").asText())).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray()).body();
  }

  private static byte[] archive(String name, int size) throws IOException {
    byte[] content = new byte[size];
    new Random(size).nextBytes(content);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // with frame checksums, as cde cache save writes them (so damage to stored content is found)
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes).setChecksum(true))) {
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setSize(size);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }
}
