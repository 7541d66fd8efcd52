package dev.cde.cli.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive format of cde cache: what goes in comes back, and what would land outside never does. */
class CacheArchiveTest {
  @TempDir
  Path tmp;

  @Test
  void twoPathsComeBackWithContentModesAndInnerLinksAndOuterLinksAreLeftOut() throws Exception {
    Path ws = Files.createDirectories(tmp.resolve("ws/deps/sub"));
    Files.writeString(ws.resolve("a.txt"), "hello");
    Path tool = Files.writeString(ws.resolve("tool.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(ws.resolve("link"), Path.of("a.txt"));
    Files.createSymbolicLink(ws.resolve("out"), Path.of("/etc/passwd"));
    Path m2 = Files.createDirectories(tmp.resolve("home/.m2/repository/org/x"));
    Files.write(m2.resolve("x.jar"), new byte[100_000]);
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    List<String> warnings = new ArrayList<>();
    Path single = Files.writeString(tmp.resolve("ws/lock.txt"), "v1");
    long files = CacheArchive.write(List.of(tmp.resolve("ws/deps"), tmp.resolve("home/.m2/repository"),
        tmp.resolve("missing"), single), archive, warnings::add);
    assertThat(files).isEqualTo(4);
    assertThat(warnings).singleElement().asString().contains("leads outside");

    Path back = tmp.resolve("back");
    long restored = CacheArchive.extract(new ByteArrayInputStream(archive.toByteArray()),
        List.of(back.resolve("deps"), back.resolve("m2"), back.resolve("missing"), back.resolve("lock.txt")));
    assertThat(restored).isEqualTo(4);
    assertThat(Files.readString(back.resolve("lock.txt"))).isEqualTo("v1");
    assertThat(Files.readString(back.resolve("deps/sub/a.txt"))).isEqualTo("hello");
    assertThat(Files.readSymbolicLink(back.resolve("deps/sub/link"))).isEqualTo(Path.of("a.txt"));
    assertThat(back.resolve("deps/sub/out")).doesNotExist();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("deps/sub/tool.sh"))))
        .isEqualTo("rwxr-x---");
    assertThat(Files.size(back.resolve("m2/org/x/x.jar"))).isEqualTo(100_000);
  }

  /**
   * An archive damaged on the NAS, or cut short on its way, is not half restored: the files this restore wrote
   * of it are removed again (a half-written jar would break the build, where a missing one is downloaded), what
   * was there before and the archive did not touch stays.
   */
  @Test
  void aDamagedOrCutArchiveLeavesNoneOfItsFilesBehind() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/deps"));
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 40; i++) {
      byte[] jar = new byte[200_000];
      random.nextBytes(jar);
      Files.write(Files.createDirectories(src.resolve("g" + i)).resolve("a" + i + ".jar"), jar);
    }
    byte[] big = new byte[(1 << 20) + 5];
    random.nextBytes(big);
    Files.write(src.resolve("big.bin"), big);
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    CacheArchive.write(List.of(src), archive, w -> { });
    byte[] whole = archive.toByteArray();

    byte[] flipped = whole.clone();
    for (int i = whole.length * 3 / 4; i < whole.length * 3 / 4 + 64; i++) {
      flipped[i] ^= 0x5a;
    }
    for (byte[] damaged : List.of(flipped, java.util.Arrays.copyOf(whole, whole.length * 2 / 3))) {
      Path dest = Files.createDirectories(tmp.resolve("dest-" + damaged.length));
      Files.writeString(Files.createDirectories(dest.resolve("deps")).resolve("mine.txt"), "kept");
      assertThatThrownBy(() -> CacheArchive.extract(new ByteArrayInputStream(damaged), List.of(dest.resolve("deps"))))
          .isInstanceOf(CacheArchive.DamagedArchiveException.class)
          .satisfies(e -> assertThat(((CacheArchive.DamagedArchiveException) e).removed()).isPositive());
      try (var left = Files.walk(dest)) {
        assertThat(left.filter(Files::isRegularFile).toList()).containsExactly(dest.resolve("deps/mine.txt"));
      }
    }
  }

  @Test
  void entriesThatWouldLandOrLinkOutsideAreRefusedAndNothingIsWrittenThere() throws Exception {
    Path dest = Files.createDirectories(tmp.resolve("dest"));
    Path outside = tmp.resolve("outside");
    refused(dest, "entry 0/../../outside points outside", entry("0/../../outside", "x"));
    refused(dest, "names no --path", entry("/etc/x", "x"));
    refused(dest, "names no --path", entry("3/x", "x"));
    refused(dest, "NUL character", entry("0/long/" + "n".repeat(120) + "\0.txt", "x")); // a PAX name may hold one
    refused(dest, "points outside its path", link("0/l", "../.."));
    refused(dest, "points outside its path", link("0/l", "/etc"));
    // A link inside, then a link through it that climbs out once the first is followed.
    refused(dest, "points outside its path", link("0/a/b", ".."), link("0/a/b/c", "../../outside"));
    assertThat(outside).doesNotExist();
    // A link already in the destination (not the archive's) that leads out is not written through.
    Files.createDirectories(outside);
    Files.createSymbolicLink(dest.resolve("escape"), outside);
    refused(dest, "through a link leading outside", entry("0/escape/pwned", "x"));
    assertThat(outside.resolve("pwned")).doesNotExist();
  }

  @Test
  void aFileThatCannotBeWrittenEndsTheRestoreWithTheIoErrorItself() throws Exception {
    // Found by CacheArchiveFuzzTest: a writer thread's failure was thrown twice (by the read loop and by close),
    // so the restore ended with IllegalArgumentException("Self-suppression not permitted") instead of this.
    Path dest = Files.createDirectories(tmp.resolve("dest/x"));
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdOutputStream(raw))) {
      tarEntries.get(entry("0/x", "a file where a directory is")).write(tar);
      tarEntries.get(entry("0/y", "and one more after it")).write(tar);
    }
    assertThatThrownBy(() -> CacheArchive.extract(new ByteArrayInputStream(raw.toByteArray()),
        List.of(dest.getParent()))).isInstanceOf(java.nio.file.FileSystemException.class)
        .hasMessageContaining("dest/x");
  }

  private void refused(Path dest, String message, byte[]... entries) throws Exception {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdOutputStream(raw))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (byte[] e : entries) {
        tarEntries.get(e).write(tar);
      }
    }
    assertThatThrownBy(() -> CacheArchive.extract(new ByteArrayInputStream(raw.toByteArray()), List.of(dest)))
        .isInstanceOf(CacheArchive.UnsafeEntryException.class).hasMessageContaining(message);
  }

  private interface Writer {
    void write(TarArchiveOutputStream tar) throws Exception;
  }

  private final java.util.IdentityHashMap<byte[], Writer> tarEntries = new java.util.IdentityHashMap<>();

  private byte[] entry(String name, String content) {
    byte[] key = new byte[0];
    tarEntries.put(key, tar -> {
      byte[] data = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setSize(data.length);
      tar.putArchiveEntry(e);
      tar.write(data);
      tar.closeArchiveEntry();
    });
    return key;
  }

  private byte[] link(String name, String target) {
    byte[] key = new byte[0];
    tarEntries.put(key, tar -> {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
      e.setLinkName(target);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
    });
    return key;
  }
}
