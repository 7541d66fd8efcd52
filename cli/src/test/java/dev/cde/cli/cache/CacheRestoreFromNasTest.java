package dev.cde.cli.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code cde cache restore} reads an entry the bridge named on the NAS mount, and where it does not. */
class CacheRestoreFromNasTest {
  @TempDir
  Path dir;

  @Test
  void theNamedFileIsReadWhenItIsThereWhole() throws Exception {
    Path nas = Files.createDirectories(dir.resolve("nas"));
    Files.write(Files.createDirectories(nas.resolve("archives/entries/octo_app")).resolve("e.tar.zst"),
        new byte[] {1, 2, 3});
    Optional<InputStream> in = CacheRestoreCommand.fromNas(hit("archives/entries/octo_app/e.tar.zst", 3),
        Optional.of(nas));
    assertThat(in).isPresent();
    try (InputStream stream = in.get()) {
      assertThat(stream.readAllBytes()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void otherwiseTheBridgeServesIt() throws Exception {
    Path nas = Files.createDirectories(dir.resolve("nas"));
    Files.write(Files.createDirectories(nas.resolve("archives")).resolve("short.tar.zst"), new byte[] {1, 2});
    Files.write(dir.resolve("outside.tar.zst"), new byte[] {1, 2, 3});
    // not mounted; not named (an older bridge); not there (evicted since the lookup); not whole; outside the mount
    assertThat(CacheRestoreCommand.fromNas(hit("archives/short.tar.zst", 2), Optional.empty())).isEmpty();
    assertThat(CacheRestoreCommand.fromNas(hit(null, -1), Optional.of(nas))).isEmpty();
    assertThat(CacheRestoreCommand.fromNas(hit("archives/gone.tar.zst", 3), Optional.of(nas))).isEmpty();
    assertThat(CacheRestoreCommand.fromNas(hit("archives/short.tar.zst", 3), Optional.of(nas))).isEmpty();
    assertThat(CacheRestoreCommand.fromNas(hit("../outside.tar.zst", 3), Optional.of(nas))).isEmpty();
    assertThat(CacheRestoreCommand.fromNas(hit(dir.resolve("outside.tar.zst").toString(), 3), Optional.of(nas)))
        .isEmpty();
    assertThat(CacheRestoreCommand.fromNas(hit("archives/\0.tar.zst", 3), Optional.of(nas))).isEmpty();
  }

  private static CacheServiceClient.Hit hit(String nasPath, long size) {
    return new CacheServiceClient.Hit("k", "http://127.0.0.1:1/blob", nasPath, size);
  }
}
