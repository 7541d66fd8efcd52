package dev.cde.bridge.github;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The GitHub material the tests check against, installed from npm into {@code src/test/node/node_modules}
 * (see src/test/resources/README.md). When it is missing, a test that needs it is skipped on a developer's
 * machine, so the README's test command works with only a JDK, Maven and git; in CI ({@code CI=true}, as
 * GitHub Actions, GitLab CI and {@code .ci/run} set it) it fails instead: a skipped signature or request check
 * proves nothing, and CI is where it must run.
 */
public final class NpmFixtures {
  public static final Path NODE_DIR = Path.of("src/test/node");
  static final String HOW_TO_INSTALL = "run `npm ci` in runner-bridge/src/test/node (node 20 or later); with npm on"
      + " the PATH, Maven does that itself when node_modules is missing (profile npm-test-fixtures)";

  private NpmFixtures() {
  }

  /**
   * {@code relative} under {@code node_modules}, when it exists; otherwise skips or fails the calling test.
   *
   * @param what what the file or folder is, for the message
   */
  public static Path require(String relative, String what) {
    Path path = NODE_DIR.resolve("node_modules").resolve(relative);
    if (!Files.exists(path)) {
      missing(what + " not found at " + path.toAbsolutePath());
    }
    return path;
  }

  /**
   * Skips (developer machine) or fails (CI) the calling test, saying what is missing and how to install it.
   * Never returns; typed so a caller can {@code return missing(...)}.
   */
  public static <T> T missing(String problem) {
    return missing(problem, "true".equals(System.getenv("CI")));
  }

  static <T> T missing(String problem, boolean ci) {
    if (ci) {
      return Assertions.fail(problem + ": " + HOW_TO_INSTALL + ". CI=true, so this fails rather than being skipped.");
    }
    return Assumptions.abort(problem + ": " + HOW_TO_INSTALL + ". Skipped (CI is not true).");
  }
}
