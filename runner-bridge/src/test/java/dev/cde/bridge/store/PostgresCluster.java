package dev.cde.bridge.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A throwaway PostgreSQL cluster from the machine's own binaries (Debian's {@code postgresql}): initdb into a
 * temporary directory, the server on a free loopback port with its socket in that directory, trust
 * authentication for the superuser {@code cde}. {@link #close()} stops it and deletes the directory. No system
 * service is used or touched.
 *
 * <p>PostgreSQL refuses to run as root, so under root (a container, this project's CI image) initdb and the
 * server run as the {@code postgres} user (made by the Debian package), or {@code nobody}, through
 * {@code runuser}; the directory is handed to that user. As any other user they run as that user.
 *
 * <p>Without the binaries a test that needs them is skipped on a developer's machine and fails in CI
 * ({@code CI=true}, as {@code .ci/run} sets it), where {@code .ci/run} installs them.
 */
public final class PostgresCluster implements AutoCloseable {
  /** The superuser initdb makes; trust authentication, so no password. */
  public static final String USER = "cde";
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final Path bin;
  private final Path dir;
  private final Optional<String> runAs;
  private final int port;
  private volatile boolean closed;

  private PostgresCluster(Path bin, Path dir, Optional<String> runAs, int port) {
    this.bin = bin;
    this.dir = dir;
    this.runAs = runAs;
    this.port = port;
  }

  /**
   * Where initdb, pg_ctl and postgres are: {@code CDE_PG_BIN}, else the newest {@code
   * /usr/lib/postgresql/<version>/bin} (Debian does not put them on the PATH), else the PATH.
   */
  public static Optional<Path> binaries() {
    String env = System.getenv("CDE_PG_BIN");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env)).filter(PostgresCluster::hasTools);
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Optional<Path> newest = versions.map(v -> v.resolve("bin")).filter(PostgresCluster::hasTools)
            .max(Comparator.comparingInt(PostgresCluster::majorVersion));
        if (newest.isPresent()) {
          return newest;
        }
      } catch (IOException e) {
        // fall through to the PATH
      }
    }
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).filter(s -> !s.isEmpty())
        .map(Path::of).filter(PostgresCluster::hasTools).findFirst();
  }

  /** The binaries, or skips (developer machine) / fails (CI) the calling test with how to install them. */
  public static Path requireBinaries() {
    Optional<Path> bin = binaries();
    if (bin.isPresent()) {
      return bin.get();
    }
    String problem = "PostgreSQL's initdb, pg_ctl and postgres not found (in CDE_PG_BIN, /usr/lib/postgresql/*/bin"
        + " or the PATH): install Debian's postgresql (apt-get install postgresql; .ci/run does)";
    if ("true".equals(System.getenv("CI"))) {
      return Assertions.fail(problem + ". CI=true, so this fails rather than being skipped.");
    }
    return Assumptions.abort(problem + ". Skipped (CI is not true).");
  }

  /** Starts a fresh cluster; skips or fails the calling test when PostgreSQL is not installed. */
  public static PostgresCluster start() throws IOException, InterruptedException {
    Path bin = requireBinaries();
    Path dir = Files.createTempDirectory("cde-pg-");
    Optional<String> runAs = Optional.empty();
    if ("root".equals(System.getProperty("user.name"))) {
      runAs = Optional.of(unprivilegedUser());
      handOver(dir, runAs.get());
    }
    try {
      new PostgresCluster(bin, dir, runAs, 0).initdb();
      IOException last = null;
      // The port is free when picked but could be taken before the server binds it: then another one.
      for (int attempt = 0; attempt < 3; attempt++) {
        PostgresCluster cluster = new PostgresCluster(bin, dir, runAs, freePort());
        try {
          cluster.startServer();
          return cluster;
        } catch (IOException e) {
          last = e;
        }
      }
      throw last;
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** The URL of {@code database} on this cluster, as the bridge's {@code quarkus.datasource.jdbc.url} takes it. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public DataSource dataSource(String database) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(jdbcUrl(database));
    ds.setUser(USER);
    return ds;
  }

  /** A new, empty database; returns its name. */
  public String createDatabase() {
    String name = "cde_test_" + DATABASES.incrementAndGet();
    try (Connection c = dataSource("postgres").getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + " on the test cluster: " + e.getMessage(), e);
    }
    return name;
  }

  /** The server's log, for a failure message. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("server.log"), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no server log)";
    }
  }

  @Override
  public synchronized void close() throws IOException, InterruptedException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // immediate: nothing in a throwaway cluster is worth a checkpoint
      run(List.of(tool("pg_ctl"), "-D", data(), "-m", "immediate", "-w", "stop"), 60);
    } finally {
      deleteTree(dir);
    }
  }

  // ---------------------------------------------------------------------------------------------- internals

  private void initdb() throws IOException, InterruptedException {
    // C locale and UTF-8: the same sorting and encoding on every machine, whatever its LANG.
    run(List.of(tool("initdb"), "-D", data(), "-U", USER, "--auth=trust", "--encoding=UTF8", "--locale=C",
        "--no-sync"), 120);
  }

  private void startServer() throws IOException, InterruptedException {
    // fsync off: a throwaway cluster needs no durability, and the store tests then take milliseconds.
    String options = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
        + " -c synchronous_commit=off -c full_page_writes=off";
    try {
      run(List.of(tool("pg_ctl"), "-D", data(), "-l", dir.resolve("server.log").toString(), "-o", options, "-w",
          "-t", "60", "start"), 90);
    } catch (IOException e) {
      throw new IOException(e.getMessage() + "\nserver log:\n" + logTail(), e);
    }
  }

  private String data() {
    return dir.resolve("data").toString();
  }

  private String tool(String name) {
    return bin.resolve(name).toString();
  }

  private void run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (runAs.isPresent()) {
      full.addAll(List.of("runuser", "-u", runAs.get(), "--"));
    }
    full.addAll(command);
    Path output = Files.createTempFile("cde-pg-cmd", ".log");
    try {
      // In the cluster's directory: the user it runs as may not enter the test's working directory.
      Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", full) + " did not finish in " + timeoutSeconds + " s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(String.join(" ", full) + " exited with " + p.exitValue() + ": "
            + Files.readString(output, StandardCharsets.UTF_8).strip());
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static boolean hasTools(Path bin) {
    return Stream.of("initdb", "pg_ctl", "postgres").allMatch(t -> Files.isExecutable(bin.resolve(t)));
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String unprivilegedUser() throws IOException {
    UserPrincipalLookupService users = Path.of("/").getFileSystem().getUserPrincipalLookupService();
    for (String name : List.of("postgres", "nobody")) {
      try {
        users.lookupPrincipalByName(name);
        return name;
      } catch (IOException e) {
        // not on this machine; try the next
      }
    }
    throw new IOException("running as root, and neither the user postgres nor nobody exists to run PostgreSQL as");
  }

  private static void handOver(Path dir, String user) throws IOException {
    UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal owner = users.lookupPrincipalByName(user);
    PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
    view.setOwner(owner);
    try {
      GroupPrincipal group = users.lookupPrincipalByGroupName(user);
      view.setGroup(group);
    } catch (IOException e) {
      // no group of that name (nobody's is nogroup): the owner is what matters
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
