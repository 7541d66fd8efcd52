package dev.cde.bridge.provider.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The {@code cde} command inside local instances, as the function image has it on {@code PATH}
 * (function-image/Containerfile): jobs call {@code cde cache save|restore}, the GitLab executor's stages and
 * the examples rely on it. A directory {@code <home>/instance-tools} with {@code bin/cde} (a launcher that finds
 * its jar relative to itself, so one file serves both inside the sandbox, where the directory is bound at
 * {@link #MOUNT}, and outside) and {@code lib/cde.jar}, a copy of the built {@code cli/target/cde.jar}: a copy,
 * because the checkout may sit where the sandbox hides it ({@code /tmp}), and the sandbox sees it read-only.
 */
final class InstanceTools {
  static final String CLI_JAR = "cli/target/cde.jar";
  /** Where the sandbox binds the tools directory; its {@code bin} goes first on the instance's {@code PATH}. */
  static final String MOUNT = "/cde";
  private static final Logger LOG = Logger.getLogger(InstanceTools.class);

  private final Path dir;
  private final String java;

  InstanceTools(Path dir, String java) {
    this.dir = dir;
    this.java = java;
  }

  Path dir() {
    return dir;
  }

  /**
   * Brings the tools directory up to date with the built cli jar (copied when its size or time changed);
   * empty when no cli jar is built, and then instances simply have no {@code cde} (logged once per launch).
   */
  synchronized Optional<Path> refresh(List<Path> cliJarCandidates) {
    Optional<Path> jar = cliJarCandidates.stream().filter(Files::isRegularFile).findFirst();
    if (jar.isEmpty()) {
      LOG.infof("no %s built (looked at %s): instances get no cde command", CLI_JAR, cliJarCandidates);
      return Optional.empty();
    }
    try {
      Path lib = Files.createDirectories(dir.resolve("lib"));
      Path bin = Files.createDirectories(dir.resolve("bin"));
      Path copy = lib.resolve("cde.jar");
      if (!Files.isRegularFile(copy) || Files.size(copy) != Files.size(jar.get())
          || Files.getLastModifiedTime(copy).compareTo(Files.getLastModifiedTime(jar.get())) != 0) {
        Path tmp = Files.createTempFile(lib, "cde.jar.", ".tmp");
        Files.copy(jar.get(), tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        // Replaced by rename: a cde command starting in a running instance reads the old or the new jar, whole.
        Files.move(tmp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      Path launcher = bin.resolve("cde");
      String script = launcher(java);
      if (!Files.isRegularFile(launcher) || !Files.readString(launcher).equals(script)) {
        Path tmp = Files.createTempFile(bin, "cde.", ".tmp");
        Files.writeString(tmp, script);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, launcher, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return Optional.of(bin);
    } catch (IOException e) {
      LOG.warnf("cannot prepare the cde command for instances in %s: %s", dir, e.getMessage());
      return Optional.empty();
    }
  }

  /** The same quick-start JVM flags as the image's launcher: a {@code cde cache} call is short-lived. */
  static String launcher(String java) {
    return "#!/bin/sh\n"
        + "# The cde command of local instances (written by the bridge: dev.cde.bridge.provider.local.InstanceTools).\n"
        + "exec '" + java.replace("'", "'\\''") + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto "
        + "-jar \"$(dirname \"$0\")/../lib/cde.jar\" \"$@\"\n";
  }
}
