package dev.cde.bridge.cache.nix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eviction of the nix cache: oldest pushes first above the quota, closures never broken, orphans swept. */
class NixCacheEvictionTest {
  static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
  @TempDir
  Path dir;

  /** Store paths with distinct valid hash parts and NAR hashes (nix base-32 has no e, o, u, t). */
  static String hash(char c, int len) {
    return String.valueOf(c).repeat(len);
  }

  NixBinaryCache cache(long quota, Duration maxAge) {
    return new NixBinaryCache(dir, NixSigningKey.parse(NixFormatsTest.SECRET_KEY), 30, quota, maxAge);
  }

  /** Pushes a path of {@code size} NAR bytes referring to {@code refs} (base names), pushed {@code age} ago. */
  String push(NixBinaryCache cache, char id, int size, Duration age, String... refs) throws Exception {
    String base = hash(id, 32) + "-p" + id;
    String narHash = hash(id, 52);
    Path upload = cache.newTempFile();
    Files.write(upload, new byte[size]);
    cache.addNar(upload, narHash);
    NarInfo info = NarInfo.parse("StorePath: /nix/store/" + base + "\nNarHash: sha256:" + narHash + "\nNarSize: " + size
        + "\nReferences: " + String.join(" ", refs) + "\n");
    assertThat(cache.publish(info, "s-test")).isEqualTo(NixBinaryCache.Outcome.PUBLISHED);
    FileTime at = FileTime.from(NOW.minus(age));
    Files.setLastModifiedTime(dir.resolve(hash(id, 32) + ".narinfo"), at);
    Files.setLastModifiedTime(dir.resolve("nar").resolve(narHash + ".nar"), at);
    return base;
  }

  boolean present(char id) {
    return Files.exists(dir.resolve(hash(id, 32) + ".narinfo"));
  }

  boolean narPresent(char id) {
    return Files.exists(dir.resolve("nar").resolve(hash(id, 52) + ".nar"));
  }

  @Test
  void aboveTheQuotaTheOldestGoesWithEverythingThatRefersToIt() throws Exception {
    NixBinaryCache cache = cache(250, Duration.ofDays(30));
    String lib = push(cache, 'a', 100, Duration.ofDays(4));
    push(cache, 'b', 100, Duration.ofDays(1), lib);         // newer, but needs the oldest
    push(cache, 'c', 100, Duration.ofDays(3));
    push(cache, 'd', 100, Duration.ofDays(2));

    NixCacheEviction.Result r = cache.evict(NOW);

    assertThat(r.pathsRemoved()).isEqualTo(2);
    assertThat(r.bytesFreed()).isEqualTo(200);
    assertThat(r.bytesKept()).isEqualTo(200);
    assertThat(present('a')).isFalse();
    assertThat(narPresent('a')).isFalse();
    assertThat(present('b')).as("b refers to a: keeping it would break its closure").isFalse();
    assertThat(narPresent('b')).isFalse();
    assertThat(present('c')).isTrue();
    assertThat(present('d')).isTrue();
    // A second pass changes nothing.
    assertThat(cache.evict(NOW).pathsRemoved()).isZero();
    // What remains is still a consistent cache: b cannot come back without a.
    assertThatThrownBy(() -> push(cache, 'b', 100, Duration.ZERO, lib)).hasMessageContaining("refers to paths not in the cache");
  }

  @Test
  void underTheQuotaOnlyWhatIsPastTheAgeLimitGoes() throws Exception {
    NixBinaryCache cache = cache(10_000, Duration.ofDays(30));
    push(cache, 'a', 100, Duration.ofDays(31));
    String kept = push(cache, 'c', 100, Duration.ofDays(29));
    push(cache, 'd', 100, Duration.ofDays(1), kept);

    assertThat(cache.evict(NOW).pathsRemoved()).isEqualTo(1);
    assertThat(present('a')).isFalse();
    assertThat(present('c')).isTrue();
    assertThat(present('d')).isTrue();
    assertThat(narPresent('c')).isTrue();
  }

  @Test
  void narsAndTempFilesThatNoNarinfoNamesAreSweptOnlyOnceOld() throws Exception {
    NixBinaryCache cache = cache(10_000, Duration.ofDays(30));
    push(cache, 'a', 10, Duration.ZERO);
    Path oldOrphan = dir.resolve("nar").resolve(hash('f', 52) + ".nar");
    Path newOrphan = dir.resolve("nar").resolve(hash('g', 52) + ".nar");
    Path oldTemp = cache.newTempFile();
    for (Path p : List.of(oldOrphan, newOrphan)) {
      Files.write(p, new byte[5]);
    }
    Files.setLastModifiedTime(oldOrphan, FileTime.from(NOW.minus(Duration.ofHours(7))));
    Files.setLastModifiedTime(oldTemp, FileTime.from(NOW.minus(Duration.ofHours(7))));
    Files.setLastModifiedTime(newOrphan, FileTime.from(NOW.minus(Duration.ofMinutes(5))));

    cache.evict(NOW);

    assertThat(oldOrphan).doesNotExist();
    assertThat(oldTemp).doesNotExist();
    assertThat(newOrphan).as("an upload whose narinfo may still come").exists();
    assertThat(narPresent('a')).isTrue();
    assertThat(dir.resolve("nix-cache-info")).exists();
  }
}
