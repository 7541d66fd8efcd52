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

  /** gitlab-runner's scripts are bash scripts (config says shell: bash); stdin is closed, as gitlab-runner does. */
  static List<String> runCommand(String path) {
    return List.of("bash", path);
  }

  /** A file name from a stage name: stages are gitlab-runner's words, but we accept any and trust none. */
  static String safe(String s) {
    String f = s.replaceAll("[^A-Za-z0-9_.-]", "_");
    return f.isEmpty() || f.startsWith(".") ? "_" + f : f;
  }
}
