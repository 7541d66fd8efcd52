package dev.cde.bridge.provider.local;

import dev.cde.bridge.provider.AgentJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds the command line of a local instance: the agent command, wrapped in bubblewrap or not. */
final class AgentCommandLine {
  static final String AGENT_JAR = "function-image/agent/target/cde-agent.jar";

  private AgentCommandLine() {
  }

  /**
   * The agent's JVM command ({@link AgentJvm}), with the class-data archive built next to the jar
   * (docs/agent.md) when there is one: it roughly halves the start.
   */
  static List<String> javaAgent(String java, Path agentJar) {
    Path archive = AgentJvm.archiveOf(agentJar);
    return AgentJvm.command(java, agentJar, Files.isRegularFile(archive) ? archive : null);
  }

  /**
   * Where a file built in the checkout ({@code relative} to its root) is looked for: under {@code cde.root},
   * then under the working directory and up to three of its parents (a bridge started from a module).
   */
  static List<Path> builtFileCandidates(String relative, String cdeRoot, Path userDir) {
    List<Path> out = new ArrayList<>();
    if (cdeRoot != null && !cdeRoot.isBlank()) {
      out.add(Path.of(cdeRoot).toAbsolutePath().normalize().resolve(relative));
    }
    Path dir = userDir.toAbsolutePath().normalize();
    for (int i = 0; i <= 3 && dir != null; i++, dir = dir.getParent()) {
      out.add(dir.resolve(relative));
    }
    return out;
  }

  static Optional<Path> findAgentJar(List<Path> candidates) {
    return candidates.stream().filter(Files::isRegularFile).findFirst();
  }

  /**
   * Wraps the agent in bubblewrap. The root is bubblewrap's tmpfs with each top-level entry of the
   * host bound read-only (a read-only {@code /} itself would leave no place for the {@code /workspace}
   * and {@code /nas} mount points). The network namespace stays shared so the bridge reaches the
   * agent's loopback port; no {@code --new-session}, because PTYs need a controlling terminal;
   * {@code --dev /dev} brings a devpts for them. No {@code --die-with-parent}: an instance outlives a bridge that
   * crashes or restarts, and the restarted bridge re-attaches it through its pid file and port (docs/operations.md);
   * the agent's idle timeout and maximum lifetime end one whose bridge never returns. (It would also have killed
   * the instance when the bridge thread that started it ended: the kernel's parent-death signal follows the
   * thread, and the launching worker pool lets idle threads go after a minute.)
   */
  static List<String> sandboxed(List<String> agent, Path workDir, Path nas, List<RootEntry> root, Path bridgeHome,
      Optional<Path> tools) {
    List<String> cmd = new ArrayList<>(List.of("bwrap", "--unshare-pid", "--unshare-ipc",
        "--unshare-uts"));
    for (RootEntry e : root) {
      if (SPECIAL.contains(e.name())) {
        continue;
      }
      if (e.symlinkTarget() != null) {
        cmd.addAll(List.of("--symlink", e.symlinkTarget(), "/" + e.name()));
      } else {
        cmd.addAll(List.of("--ro-bind", "/" + e.name(), "/" + e.name()));
      }
    }
    Path home = bridgeHome.toAbsolutePath().normalize();
    cmd.addAll(List.of("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        // The bridge's home holds its API token and signing key: an instance must not see them.
        "--tmpfs", home.toString()));
    // The agent's own files (jar, class-data archive) may live where the sandbox just hid (a checkout
    // under /tmp): bring back exactly those files, read-only, never their directories.
    for (Path f : filesIn(agent)) {
      if (f.startsWith("/tmp") || f.startsWith(home)) {
        cmd.addAll(List.of("--ro-bind", f.toString(), f.toString()));
      }
    }
    // The cde command (InstanceTools), read-only at a path of the sandbox's own root.
    tools.ifPresent(t -> cmd.addAll(List.of("--ro-bind", t.toString(), InstanceTools.MOUNT)));
    // The NAS is read-only inside: instances read the caches directly but write them only through the bridge,
    // which checks and signs what goes in (docs/caching.md).
    cmd.addAll(List.of("--bind", workDir.toString(), "/workspace", "--ro-bind", nas.toString(), "/nas",
        "--chdir", "/workspace", "--setenv", "HOME", "/workspace", "--"));
    cmd.addAll(agent);
    return cmd;
  }

  /** Existing files the command names, as arguments or as {@code -Xflag=/path} values. */
  static List<Path> filesIn(List<String> command) {
    List<Path> out = new ArrayList<>();
    for (String arg : command) {
      String value = arg.startsWith("-") && arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : arg;
      if (value.startsWith("/")) {
        Path p = Path.of(value).normalize();
        if (Files.isRegularFile(p)) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /** Entries of the host root that the sandbox gets its own version of. */
  private static final java.util.Set<String> SPECIAL = java.util.Set.of("dev", "proc", "tmp", "workspace", "nas");

  /** A top-level entry of the host's {@code /}: a directory or file, or a symlink (merged /usr). */
  record RootEntry(String name, String symlinkTarget) {
  }

  static List<RootEntry> hostRoot() {
    List<RootEntry> out = new ArrayList<>();
    try (java.util.stream.Stream<Path> entries = Files.list(Path.of("/"))) {
      for (Path p : entries.sorted().toList()) {
        String name = p.getFileName().toString();
        out.add(new RootEntry(name, Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString() : null));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot list /", e);
    }
    return out;
  }
}
