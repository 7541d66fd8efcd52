package dev.cde.cli.cache;

import dev.cde.cli.CliException;
import dev.cde.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cde cache restore --key K [--restore-key PREFIX]... --path P...}. Prints {@code cache-hit=true|false}
 * (true only for the exact key, as {@code actions/cache} says it) and {@code cache-matched-key=...} on stdout.
 * A miss, and a bridge that cannot be reached, exit 0 (the job goes on cold) unless {@code --fail-on-cache-miss}.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = "Restore paths from the entry of a key, or the newest entry of a restore-key prefix.")
final class CacheRestoreCommand implements Callable<Integer> {
  @Option(names = "--key", required = true, description = "The exact key looked up first.")
  String key;

  @Option(names = "--restore-key", description = "A key prefix tried in order when the key misses; repeatable.")
  List<String> restoreKeys = new ArrayList<>();

  @Option(names = "--path", required = true, description = "The paths, as given to save; repeatable.")
  List<String> paths;

  @Option(names = "--fail-on-cache-miss", description = "Exit 7 when nothing matches (and 3/5 when the bridge "
      + "cannot be reached or refuses the token) instead of going on cold.")
  boolean failOnMiss;

  @Option(names = "--lookup-only", description = "Only say whether an entry matches; download nothing.")
  boolean lookupOnly;

  @Override
  public Integer call() throws IOException {
    CacheCommand.checkKey(key, "--key");
    for (String k : restoreKeys) {
      CacheCommand.checkKey(k, "--restore-key");
    }
    List<Path> roots = paths.stream().map(CacheCommand::resolve).toList();
    StringBuilder why = new StringBuilder();
    CacheServiceClient client = CacheCommand.client(why);
    if (client == null) {
      return unavailable(new CliException(ExitCodes.BRIDGE_UNREACHABLE, why.toString()));
    }
    long started = System.nanoTime();
    String version = CacheCommand.version(paths);
    Optional<Path> nas = lookupOnly ? Optional.empty() : CacheCommand.nas();
    Optional<CacheServiceClient.Hit> hit;
    try {
      hit = client.lookup(key, restoreKeys, version, nas.isPresent());
    } catch (CliException e) {
      return unavailable(e);
    }
    if (hit.isEmpty()) {
      return goOnWithout(new CliException(ExitCodes.CACHE_MISS, "no cache entry for " + key
          + (restoreKeys.isEmpty() ? "" : " nor for the restore keys " + restoreKeys)), "no entry for " + key);
    }
    String matched = hit.get().matchedKey();
    if (!lookupOnly) {
      long files;
      Optional<InputStream> fromNas = fromNas(hit.get(), nas);
      try (InputStream in = fromNas.isPresent() ? fromNas.get() : client.download(hit.get().url())) {
        files = CacheArchive.extract(in, roots);
      } catch (CacheArchive.UnsafeEntryException e) {
        throw new CliException(ExitCodes.CACHE_REFUSED, "refused the entry " + matched + ": " + e.getMessage());
      } catch (CacheArchive.DamagedArchiveException e) {
        // As @actions/cache treats an archive tar cannot read: a miss with a warning, and the job goes on cold.
        String what = "the entry " + matched + " does not read to its end (" + e.getMessage() + "); removed the "
            + e.removed() + " files it had restored; " + report(client, matched, version);
        return goOnWithout(new CliException(ExitCodes.CACHE_MISS, what), "warning: " + what);
      }
      CacheCommand.err.printf("cde cache: restored %s: %d files in %.1f s%s%n", matched, files,
          (System.nanoTime() - started) / 1e9, fromNas.isPresent() ? " (read from the NAS mount)" : "");
    } else {
      CacheCommand.err.println("cde cache: " + matched + " is there (lookup only, nothing downloaded)");
    }
    CacheCommand.out.println("cache-hit=" + matched.equals(key));
    CacheCommand.out.println("cache-matched-key=" + matched);
    return ExitCodes.OK;
  }

  /**
   * The entry's file on the NAS mount, when the bridge named it and it is there whole; else empty, and the bridge
   * serves it (or says it was evicted). A name that would leave the mount is not followed.
   */
  static Optional<InputStream> fromNas(CacheServiceClient.Hit hit, Optional<Path> nas) {
    if (nas.isEmpty() || hit.nasPath() == null) {
      return Optional.empty();
    }
    try {
      Path file = nas.get().resolve(hit.nasPath()).normalize();
      if (file.startsWith(nas.get()) && Files.size(file) == hit.size()) {
        return Optional.of(Files.newInputStream(file));
      }
    } catch (IOException | java.nio.file.InvalidPathException e) {
      // evicted since the lookup, or not readable here: through the bridge then
    }
    return Optional.empty();
  }

  /** What the bridge did with the damaged entry (it checks for itself), or why it could not be told. */
  private static String report(CacheServiceClient client, String matched, String version) {
    try {
      return client.reportDamaged(matched, version);
    } catch (CliException e) {
      return "could not tell the bridge: " + e.getMessage();
    }
  }

  private int unavailable(CliException e) {
    return goOnWithout(e, "warning: no cache: " + e.getMessage());
  }

  /**
   * No cache this time: {@code cache-hit=false}, then {@code failure} with {@code --fail-on-cache-miss}, else
   * {@code cde cache: <said>; going on without} and exit 0 (the job goes on cold).
   */
  private int goOnWithout(CliException failure, String said) {
    CacheCommand.out.println("cache-hit=false");
    if (failOnMiss) {
      throw failure;
    }
    CacheCommand.err.println("cde cache: " + said + "; going on without");
    return ExitCodes.OK;
  }
}
