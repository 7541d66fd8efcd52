package dev.cde.cli.cache;

import dev.cde.cli.CliException;
import dev.cde.cli.ExitCodes;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;

/**
 * {@code cde cache save|restore}: keyed archives on the bridge's NAS, for use inside a session (a GitHub job's
 * {@code action/cache}, a GitLab job's script, a shell). Speaks to the bridge with the session's own
 * {@code CDE_CACHE_TOKEN}, at {@code CDE_CALLBACK_URL}; both are in every session's environment.
 */
@Command(name = "cache", mixinStandardHelpOptions = true, subcommands = {CacheSaveCommand.class,
    CacheRestoreCommand.class, CacheCdsTraining.class}, description = "Save or restore keyed archives on the bridge's NAS (inside a session).")
public final class CacheCommand implements Runnable {
  static final String TOKEN = "CDE_CACHE_TOKEN";
  static final String URL = "CDE_CALLBACK_URL";
  static final String NAS = "CDE_NAS";
  /** Versions of our archives start so: the bridge then confines their entry names (docs/caching.md). */
  static final String VERSION_PREFIX = "cde-";
  /** Our archive's format; a new one gets a new version, so old entries are never misread. */
  static final String FORMAT = "cde-cache/zstd-tar/indexed-paths/1";

  /** The process environment; tests give their own. */
  static Map<String, String> env = System.getenv();
  static PrintStream out = System.out;
  static PrintStream err = System.err;

  @Override
  public void run() {
    throw new CliException(ExitCodes.USAGE, "missing command: cde cache save or cde cache restore (see --help)");
  }

  /** The version binds an entry to its paths, as given, and our format: the same key saved elsewhere is another. */
  static String version(List<String> paths) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update((FORMAT + "\n" + String.join("\n", paths)).getBytes(StandardCharsets.UTF_8));
      return VERSION_PREFIX + HexFormat.of().formatHex(d.digest()).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code ~} and {@code ~/x} as a shell would expand them ({@code $HOME}, which a sandbox may set apart from the
   * account's home that Java's {@code user.home} reads); anything else relative to the working directory.
   */
  static Path resolve(String path) {
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    if (path.equals("~")) {
      return Path.of(home);
    }
    if (path.startsWith("~/")) {
      return Path.of(home, path.substring(2));
    }
    return Path.of(path).toAbsolutePath().normalize();
  }

  /** The client, or null (with the reason in {@code why}) when this process has no cache to talk to. */
  static CacheServiceClient client(StringBuilder why) {
    String token = env.get(TOKEN);
    String url = env.getOrDefault(URL, env.get("CDE_BRIDGE_URL"));
    if (token == null || token.isBlank()) {
      why.append(TOKEN + " is not set (cde cache works inside a cde session)");
      return null;
    }
    if (url == null || url.isBlank()) {
      why.append(URL + " is not set (cde cache works inside a cde session)");
      return null;
    }
    return new CacheServiceClient(url.strip(), token.strip());
  }

  /**
   * Where this instance mounts the bridge's NAS read-only ({@code CDE_NAS}, which every provider sets, else
   * {@code /nas}), when it is there: restore then reads an entry's file from it rather than through the bridge.
   */
  static Optional<Path> nas() {
    String configured = env.get(NAS);
    Path nas = Path.of(configured == null || configured.isBlank() ? "/nas" : configured.strip()).toAbsolutePath()
        .normalize();
    return Files.isDirectory(nas) ? Optional.of(nas) : Optional.empty();
  }

  static void checkKey(String key, String what) {
    if (key == null || key.isBlank()) {
      throw new CliException(ExitCodes.USAGE, what + " must not be empty");
    }
    if (key.length() > 512) {
      throw new CliException(ExitCodes.USAGE, what + " is longer than 512 characters");
    }
    if (key.contains(",")) {
      throw new CliException(ExitCodes.USAGE, what + " must not contain a comma (as in actions/cache)");
    }
  }

  static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
