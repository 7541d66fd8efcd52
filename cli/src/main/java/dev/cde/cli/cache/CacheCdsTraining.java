package dev.cde.cli.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The packaging's training start for the class-data archive (cli/pom.xml, function-image/Containerfile): a
 * round trip of a small tree through the archive and a lookup that the closed port 1 refuses load what
 * {@code cde cache save|restore} load, without a bridge. A job calls {@code cde cache} twice or more, each a
 * fresh JVM; the archive saves most of the class loading of each.
 */
@Command(name = "cds-training", hidden = true)
final class CacheCdsTraining implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("cde-cds-training");
    try {
      Files.writeString(Files.createDirectories(dir.resolve("in/sub")).resolve("a.txt"), "training");
      Files.write(dir.resolve("in/sub/big.bin"), new byte[ReadAhead.SMALL_FILE + 1]);
      Files.createSymbolicLink(dir.resolve("in/link"), Path.of("sub/a.txt"));
      ByteArrayOutputStream archive = new ByteArrayOutputStream();
      CacheArchive.write(List.of(dir.resolve("in")), archive, w -> { });
      CacheArchive.extract(new ByteArrayInputStream(archive.toByteArray()), List.of(dir.resolve("out")));
      // and from a file, as a restore reads it from the NAS mount
      Files.write(dir.resolve("a.tar.zst"), archive.toByteArray());
      try (var file = Files.newInputStream(dir.resolve("a.tar.zst"))) {
        CacheArchive.extract(file, List.of(dir.resolve("out2")));
      }
      CacheCommand.nas();
      CacheCommand.version(List.of("training"));
      CacheServiceClient client = new CacheServiceClient("http://127.0.0.1:1", "training");
      try {
        Optional<CacheServiceClient.Hit> none = client.lookup("k", List.of(), "v", false);
        client.download("http://127.0.0.1:1/").close();
        none.isPresent();
      } catch (dev.cde.cli.CliException expected) {
        // refused, as planned
      }
    } finally {
      try (var all = Files.walk(dir)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    return 0;
  }
}
