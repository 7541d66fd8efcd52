package dev.cde.cli.cache;

import dev.cde.cli.CliException;
import dev.cde.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cde cache save --key K --path P...}. Like {@code actions/cache}'s post step, a save that cannot happen
 * (the key exists, the bridge is away, nothing to save) warns and exits 0: a cache is an optimisation, and a
 * job must not fail for it. Usage errors exit 2.
 */
@Command(name = "save", mixinStandardHelpOptions = true, description = "Save paths under a key (first writer wins).")
final class CacheSaveCommand implements Callable<Integer> {
  @Option(names = "--key", required = true, description = "The entry's key; keys are immutable.")
  String key;

  @Option(names = "--path", required = true, description = "A file or directory to save; repeatable. "
      + "~ is your home. The same list must be given to restore.")
  List<String> paths;

  @Override
  public Integer call() throws IOException {
    CacheCommand.checkKey(key, "--key");
    List<Path> roots = paths.stream().map(CacheCommand::resolve).toList();
    if (roots.stream().noneMatch(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS))) {
      CacheCommand.err.println("cde cache: warning: none of the paths exists; nothing saved");
      return ExitCodes.OK;
    }
    StringBuilder why = new StringBuilder();
    CacheServiceClient client = CacheCommand.client(why);
    if (client == null) {
      CacheCommand.err.println("cde cache: warning: not saved: " + why);
      return ExitCodes.OK;
    }
    String version = CacheCommand.version(paths);
    long started = System.nanoTime();
    try {
      CacheServiceClient.Reservation r = client.reserve(key, version);
      if (r.url() == null) {
        CacheCommand.err.println("cde cache: not saved: " + r.message());
        return ExitCodes.OK;
      }
      CacheServiceClient.Uploaded<Long> up = client.upload(r.url(), out -> CacheArchive.write(roots, out,
          w -> CacheCommand.err.println("cde cache: warning: " + w)));
      String refused = client.commit(key, version, up.bytes());
      if (refused != null) {
        CacheCommand.err.println("cde cache: not saved: " + refused);
        return ExitCodes.OK;
      }
      CacheCommand.err.printf("cde cache: saved %s: %d files, %s in %.1f s%n", key, up.result(),
          CacheCommand.mib(up.bytes()), (System.nanoTime() - started) / 1e9);
      return ExitCodes.OK;
    } catch (CliException e) {
      if (e.exitCode() == ExitCodes.USAGE) {
        throw e;
      }
      CacheCommand.err.println("cde cache: warning: not saved: " + e.getMessage());
      return ExitCodes.OK;
    }
  }
}
