package dev.cde.bridge.home;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** The layout of {@code cde.home}; directories are created on first use. */
@ApplicationScoped
public class BridgeHome {
  private final Path root;

  @jakarta.inject.Inject
  public BridgeHome(HomeConfig config) {
    this(config.home());
  }

  public BridgeHome(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return dir(root);
  }

  public Path apiToken() {
    return root().resolve("api-token");
  }

  public Path signingKey() {
    return root().resolve("signing-key.pem");
  }

  /** Work dirs, pid files and agent logs of local instances. */
  public Path instances() {
    return dir(root.resolve("instances"));
  }

  /** One output file per session (runner output, job logs), read by {@code cde logs}. */
  public Path logs() {
    return dir(root.resolve("logs"));
  }

  public Path nas() {
    return dir(root.resolve("nas"));
  }

  private static Path dir(Path p) {
    try {
      return Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + p, e);
    }
  }

  /**
   * Writes a secret so that only the owner can read it: the file is created with mode 0600 before
   * the secret goes in, and moved into place atomically.
   */
  public static void writeSecret(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
      try {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(ownerOnly));
      } catch (UnsupportedOperationException notPosix) {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, content);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
