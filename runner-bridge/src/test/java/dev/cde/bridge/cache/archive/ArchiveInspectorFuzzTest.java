package dev.cde.bridge.cache.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Coverage-guided fuzzing of what the bridge does with an uploaded archive before publishing it: any bytes are
 * read through (zstd, gzip or plain tar) and counted, or refused as corrupt or unsafe — never another exception,
 * never a hang. An archive accepted as confined really is: every name, link and hard link stays inside the
 * directory it would be extracted into (checked here by resolving them as paths, not by the inspector's own
 * rules), and confining never accepts what reading alone refuses.
 *
 * <p>Seeds: archives of GNU tar, zstd and gzip, including {@code @actions/cache}'s climbing names
 * (src/test/resources/README.md); {@code .ci/fuzz} fuzzes it for real (docs/fuzzing.md).
 */
class ArchiveInspectorFuzzTest {
  private static final Path ARCHIVE = temporaryFile();
  private static final Path INTO = Path.of("/extract/here");

  @FuzzTest(maxDuration = "30s")
  void anyArchiveIsReadThroughOrRefusedAndAConfinedOneStaysInside(byte[] input) throws IOException {
    Files.write(ARCHIVE, input);
    Long anyNames = inspect(false);
    Long confined = inspect(true);
    if (confined == null) {
      return;
    }
    assertThat(anyNames).as("entries read without confining").isEqualTo(confined);
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
        ArchiveInspector.decompressed(new ByteArrayInputStream(input)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        Path at = inside(e.getName(), INTO);
        if (e.isSymbolicLink()) {
          inside(e.getLinkName(), at.getParent());
        } else if (e.isLink()) {
          inside(e.getLinkName(), INTO);
        }
      }
    }
  }

  /** The count, or null when the inspector refused the archive in one of its two documented ways. */
  private static Long inspect(boolean confine) throws IOException {
    try {
      long entries = ArchiveInspector.inspect(ARCHIVE, confine);
      assertThat(entries).isNotNegative();
      return entries;
    } catch (ArchiveInspector.CorruptArchiveException e) {
      return null;
    } catch (ArchiveInspector.UnsafeArchiveException e) {
      assertThat(confine).as("only a confined inspection refuses as unsafe").isTrue();
      assertThat(e.getMessage()).isNotBlank().doesNotContain("\0");
      return null;
    }
  }

  /** {@code name} resolved against {@code dir}, which it must neither leave nor replace by an absolute path. */
  private static Path inside(String name, Path dir) {
    Path resolved;
    try {
      assertThat(Path.of(name).isAbsolute()).as("absolute name " + name).isFalse();
      resolved = dir.resolve(name).normalize();
    } catch (InvalidPathException e) {
      throw new AssertionError("accepted a name no file system can hold: " + name, e);
    }
    assertThat(resolved).as(name + " from " + dir).startsWithRaw(INTO);
    return resolved;
  }

  private static Path temporaryFile() {
    try {
      Path file = Files.createTempFile("cde-fuzz-archive", ".bin");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
