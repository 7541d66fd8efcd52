package dev.cde.cli.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of {@code cde cache restore}'s extraction: whatever bytes the bridge hands back, files
 * are written only inside the restore's paths (a directory next to them, and one reached through a link already
 * in a path, stay untouched), every link made leads inside its path, or the archive is refused with an
 * {@link IOException} — never another exception, never a hang.
 *
 * <p>Input that does not start with zstd's magic number is zstd-compressed first, so the fuzzer works on the tar
 * layer (where names and links are) as well as on zstd's. Seeds: archives of GNU tar, zstd (see
 * src/test/resources/README.md) and {@code cde cache save} itself; {@code .ci/fuzz} fuzzes it for real
 * (docs/fuzzing.md).
 */
class CacheArchiveFuzzTest {
  private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};
  private static final Path BASE = temporaryBase();

  @MethodSource("writtenByCdeCacheSave")
  @FuzzTest(maxDuration = "30s")
  void extractionWritesOnlyInsideThePathsOrRefuses(byte[] input) throws IOException {
    boolean compressed = input.length >= 4 && Arrays.equals(input, 0, 4, ZSTD_MAGIC, 0, 4);
    byte[] archive = compressed ? input : zstd(input);
    Path run = Files.createTempDirectory(BASE, "run");
    try {
      Path outside = Files.createDirectories(run.resolve("outside"));
      Files.writeString(outside.resolve("keep"), "keep");
      Path t = run.resolve("t");
      List<Path> paths = List.of(t.resolve("0"), t.resolve("1"), t.resolve("2/single.txt"));
      Files.createDirectories(paths.get(0));
      // A link the user already had in a restored path: the archive must not write through it.
      Path userLink = Files.createSymbolicLink(paths.get(0).resolve("user-link"), outside);
      try {
        long files = CacheArchive.extract(new ByteArrayInputStream(archive), paths);
        assertThat(files).isNotNegative();
      } catch (IOException refused) {
        // refused, or not an archive: fine, as long as nothing landed outside (checked below)
      }
      openUp(run);
      try (Stream<Path> top = Files.list(run)) {
        assertThat(top.map(p -> p.getFileName().toString())).isSubsetOf("t", "outside");
      }
      try (Stream<Path> kept = Files.list(outside)) {
        assertThat(kept.map(p -> p.getFileName().toString())).containsExactly("keep");
      }
      assertThat(Files.readString(outside.resolve("keep"))).isEqualTo("keep");
      for (Path link : links(t)) {
        if (link.equals(userLink)) {
          continue;
        }
        Path root = paths.stream().filter(link::startsWith).findFirst().orElseThrow();
        Path resolved = link.getParent().toRealPath().resolve(Files.readSymbolicLink(link)).normalize();
        assertThat(resolved).as("link " + link + " -> " + Files.readSymbolicLink(link)).startsWithRaw(root.toRealPath());
      }
    } finally {
      deleteTree(run);
    }
  }

  /** What {@code cde cache save} writes for a small tree: a file, an executable, a link, a nested directory. */
  static Stream<byte[]> writtenByCdeCacheSave() throws IOException {
    Path tree = Files.createTempDirectory(BASE, "seed");
    try {
      Path deps = Files.createDirectories(tree.resolve("deps/sub"));
      Files.writeString(deps.resolve("a.txt"), "hello");
      Files.writeString(tree.resolve("deps/run.sh"), "#!/bin/sh\n");
      Files.createSymbolicLink(deps.resolve("link"), Path.of("a.txt"));
      Path single = Files.writeString(tree.resolve("lock.txt"), "v1");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CacheArchive.write(List.of(tree.resolve("deps"), tree.resolve("missing"), single), out, w -> { });
      return Stream.of(out.toByteArray());
    } finally {
      deleteTree(tree);
    }
  }

  private static List<Path> links(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<Path> links = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isSymbolicLink).forEach(links::add);
    }
    return links;
  }

  private static byte[] zstd(byte[] tar) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(out)) {
      z.write(tar);
    }
    return out.toByteArray();
  }

  /** Gives every directory back to its owner (an archive may restore one as 0500 or 0000), links not followed. */
  private static void openUp(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Never follows links: a link an archive made is removed, not what it points at. */
  private static void deleteTree(Path dir) throws IOException {
    openUp(dir);
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Path temporaryBase() {
    try {
      // tmpfs when there is one: a fuzzing run extracts hundreds of archives a second
      Path shm = Path.of("/dev/shm");
      Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "cde-fuzz")
          : Files.createTempDirectory("cde-fuzz");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          deleteTree(base);
        } catch (IOException e) {
          // a leftover temporary directory
        }
      }));
      return base;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
