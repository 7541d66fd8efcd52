package dev.cde.bridge.cache.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/** The store in a running bridge (its index in the bridge's database, its files on the NAS directory). */
@QuarkusTest
@TestProfile(ArchiveCacheStoreTest.SmallQuota.class)
class ArchiveCacheStoreTest {
  /** A quota a test can fill with three small archives. */
  public static class SmallQuota implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("cde.cache.archives.quota", "300k");
    }
  }

  private static final String VERSION = "v-test";

  @Inject
  ArchiveCacheStore store;

  @Test
  void sixteenConcurrentWritersOfOneKeyPublishOneEntryAndReadersOnlySeeWholeArchives() throws Exception {
    CacheScope scope = new CacheScope(repo(), "refs/heads/main", "refs/heads/main");
    int writers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 4);
    CountDownLatch go = new CountDownLatch(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    try {
      List<Future<ArchiveCacheStore.Published>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        int writer = i;
        results.add(pool.submit(() -> {
          Path upload = store.newUpload();
          Files.write(upload, archive(Map.of("who.txt", ("writer " + writer).getBytes(StandardCharsets.UTF_8),
              "payload.bin", random(200_000 + writer, writer))));
          go.await();
          return store.publish(scope, "key-1", VERSION, upload, "s-writer-" + writer);
        }));
      }
      List<Future<?>> readers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        readers.add(pool.submit(() -> {
          go.await();
          while (writing.get()) {
            Optional<ArchiveCacheStore.Match> m = store.lookup(scope, "key-1", List.of(), VERSION, "s-reader");
            if (m.isPresent()) {
              Path f = store.file(m.get().entry());
              assertThat(Files.size(f)).isEqualTo(m.get().entry().sizeBytes());
              seen.add(new String(entry(f, "who.txt"), StandardCharsets.UTF_8));
            }
          }
          return null;
        }));
      }
      go.countDown();
      int published = 0;
      for (Future<ArchiveCacheStore.Published> r : results) {
        if (r.get(60, TimeUnit.SECONDS).outcome() == ArchiveCacheStore.Outcome.PUBLISHED) {
          published++;
        }
      }
      writing.set(false);
      for (Future<?> r : readers) {
        r.get(60, TimeUnit.SECONDS);
      }
      assertThat(published).isEqualTo(1);
      ArchiveEntry winner = store.lookup(scope, "key-1", List.of(), VERSION, "s-reader").orElseThrow().entry();
      String winnerText = new String(entry(store.file(winner), "who.txt"), StandardCharsets.UTF_8);
      assertThat(seen).allMatch(winnerText::equals);
      try (var files = Files.list(store.file(winner).getParent())) {
        assertThat(files.toList()).containsExactly(store.file(winner)); // the losers' uploads are gone
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void overTheQuotaTheLeastRecentlyUsedGo() throws Exception {
    CacheScope scope = new CacheScope(repo(), "refs/heads/main", "refs/heads/main");
    ArchiveEntry a = publish(scope, "a", random(120_000, 1));
    Thread.sleep(20);
    ArchiveEntry b = publish(scope, "b", random(120_000, 2));
    Thread.sleep(20);
    assertThat(store.lookup(scope, "a", List.of(), VERSION, "s-lru")).isPresent(); // a is now used after b
    Thread.sleep(20);
    ArchiveEntry c = publish(scope, "c", random(120_000, 3));
    assertThat(store.entry(a.id())).isPresent();
    assertThat(store.entry(c.id())).isPresent();
    assertThat(store.entry(b.id())).isEmpty();
    assertThat(store.file(b)).doesNotExist();
  }

  @Test
  void aCorruptArchiveIsRefusedOnPublish() throws Exception {
    CacheScope scope = new CacheScope(repo(), "refs/heads/main", "refs/heads/main");
    byte[] whole = archive(Map.of("x.bin", random(100_000, 9)));
    Path upload = store.newUpload();
    Files.write(upload, java.util.Arrays.copyOf(whole, whole.length / 2));
    assertThatThrownBy(() -> store.publish(scope, "cut", VERSION, upload, "s-corrupt"))
        .isInstanceOf(ArchiveInspector.CorruptArchiveException.class);
    assertThat(upload).doesNotExist();
    assertThat(store.lookup(scope, "cut", List.of(), VERSION, "s-corrupt")).isEmpty();
  }

  @Test
  void cdeArchivesNamingPathsOutsideAreRefused() throws Exception {
    CacheScope scope = new CacheScope(repo(), "refs/heads/main", "refs/heads/main");
    String cde = ArchiveCacheStore.CDE_VERSION_PREFIX + "1";
    for (TarArchiveEntry bad : List.of(file("../escape.txt"), file("/etc/cron.d/evil"), file("a/../../escape"),
        link("sub/up", "../../outside"), link("abs", "/etc/passwd"), hardLink("h", "../x"),
        file("long/" + "n".repeat(120) + "\0.txt"))) { // a PAX name may hold a NUL; no file can
      Path upload = store.newUpload();
      Files.write(upload, archive(List.of(file("ok.txt"), bad)));
      assertThatThrownBy(() -> store.publish(scope, "bad-" + UUID.randomUUID(), cde, upload, "s-unsafe"))
          .as(bad.getName()).isInstanceOf(ArchiveInspector.UnsafeArchiveException.class);
    }
    Path fine = store.newUpload();
    Files.write(fine, archive(List.of(file("dir/ok.txt"), link("dir/sibling", "../dir/ok.txt"))));
    assertThat(store.publish(scope, "fine", cde, fine, "s-unsafe").outcome())
        .isEqualTo(ArchiveCacheStore.Outcome.PUBLISHED);
  }

  @Test
  void scopesPullRequestsSeeOnlyTheirOwnAndTheDefaultBranchEveryoneReads() throws Exception {
    String repo = repo();
    CacheScope main = new CacheScope(repo, "refs/heads/main", "refs/heads/main");
    CacheScope feature = new CacheScope(repo, "refs/heads/feature", "refs/heads/main");
    CacheScope pr1 = new CacheScope(repo, "refs/pull/1/merge", "refs/heads/main");
    CacheScope pr2 = new CacheScope(repo, "refs/pull/2/merge", "refs/heads/main");
    CacheScope otherRepo = new CacheScope(repo(), "refs/heads/main", "refs/heads/main");
    publish(main, "deps-main", random(10, 1));
    publish(pr1, "deps-pr1", random(10, 2));
    publish(feature, "deps-feature", random(10, 3));

    assertThat(found(feature, "deps-main")).isTrue();
    assertThat(found(pr2, "deps-main")).isTrue();
    assertThat(found(pr1, "deps-pr1")).isTrue();
    assertThat(found(pr2, "deps-pr1")).isFalse();
    assertThat(found(main, "deps-feature")).isFalse();
    assertThat(found(pr1, "deps-feature")).isFalse();
    assertThat(found(otherRepo, "deps-main")).isFalse();
    // A restore-key search looks in the job's own ref before the default branch's.
    Thread.sleep(20);
    publish(main, "deps-zzz", random(10, 4));
    assertThat(store.lookup(feature, "nothing", List.of("deps-"), VERSION, "s-scope").orElseThrow().entry().key())
        .isEqualTo("deps-feature");
    assertThat(store.lookup(pr2, "nothing", List.of("deps-"), VERSION, "s-scope").orElseThrow().entry().key())
        .isEqualTo("deps-zzz");
  }

  private boolean found(CacheScope scope, String key) {
    return store.lookup(scope, key, List.of(), VERSION, "s-scope").isPresent();
  }

  private ArchiveEntry publish(CacheScope scope, String key, byte[] content) throws IOException {
    Path upload = store.newUpload();
    Files.write(upload, archive(Map.of("content.bin", content)));
    ArchiveCacheStore.Published p = store.publish(scope, key, VERSION, upload, "s-test");
    assertThat(p.outcome()).isEqualTo(ArchiveCacheStore.Outcome.PUBLISHED);
    return p.entry();
  }

  private static String repo() {
    return "octo/r-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] archive(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes))) {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(f.getValue().length);
        tar.putArchiveEntry(e);
        tar.write(f.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static byte[] archive(List<TarArchiveEntry> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream z = new ZstdOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(z)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (TarArchiveEntry e : entries) {
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static TarArchiveEntry file(String name) {
    return new TarArchiveEntry(name, true); // true: keep a leading '/', as a hostile archive would
  }

  private static TarArchiveEntry link(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
    e.setLinkName(target);
    return e;
  }

  private static TarArchiveEntry hardLink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK, true);
    e.setLinkName(target);
    return e;
  }

  private static byte[] entry(Path archive, String name) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(ArchiveInspector.decompressed(Files.newInputStream(
        archive)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.getName().equals(name)) {
          return tar.readAllBytes();
        }
      }
    }
    throw new IOException(name + " not in " + archive);
  }
}
