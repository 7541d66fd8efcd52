package dev.cde.gitlab.run;

import java.util.List;

/**
 * Where a stage's script lives on the instance and the two commands that place and run it. The script
 * travels on the first command's stdin, never in an argument: it holds the job's variables, secrets
 * included, and arguments are visible to every process on the instance.
 */
final class RemoteScript {
  private RemoteScript() {}

  /** {@code ${TMPDIR:-/tmp}/cde-gitlab/<session name>/<stage>.sh}, made 0700 from the start by umask. */
  static List<String> writeCommand(String sessionName, String stage) {
    return List.of("sh", "-c", "umask 077 && d=\"${TMPDIR:-/tmp}/cde-gitlab/$1\" && mkdir -p \"$d\""
        + " && cat > \"$d/$2.sh\" && chmod 700 \"$d/$2.sh\" && echo \"$d/$2.sh\"", "cde-gitlab-write",
        safe(sessionName), safe(stage));
  }

  /**
   * gitlab-runner's scripts are bash scripts (config says shell: bash). setsid makes the script the leader of
   * its own process group (no fork: the agent's child is not a group leader, so the pid stays the one the
   * agent waits for), and the pid file lets a cancel signal that whole group, background jobs included.
   */
  static List<String> runCommand(String path) {
    // prepare's git-mirror.sh, when there is one, exports the NAS mirror as git's alternates (JobMirror).
    return List.of("sh", "-c", "m=\"$(dirname \"$1\")/git-mirror.sh\"; if [ -f \"$m\" ]; then . \"$m\"; fi;"
        + " echo $$ > \"$1.pid\" && exec setsid bash \"$1\"", "cde-gitlab-run", path);
  }

  /** Signals the script's process group; never the agent's, because setsid gave the script a group of its own. */
  static List<String> signalCommand(String path, String signal) {
    return List.of("sh", "-c", "p=$(cat \"$1.pid\") && kill -s \"$2\" -- \"-$p\" 2>/dev/null; exit 0",
        "cde-gitlab-signal", path, signal);
  }

  /** A file name from a stage name: stages are gitlab-runner's words, but we accept any and trust none. */
  static String safe(String s) {
    String f = s.replaceAll("[^A-Za-z0-9_.-]", "_");
    return f.isEmpty() || f.startsWith(".") ? "_" + f : f;
  }
}
