package dev.cde.gitlab.harness;

import java.util.List;
import java.util.Map;

/**
 * A stage script shaped like the ones gitlab-runner's bash shell writes (shells/bash.go): errexit and
 * pipefail, the job's variables exported, a cd to the project directory, each command echoed in green
 * before it runs, the whole body ANSI-C quoted and fed to {@code eval} with stdin from {@code :}.
 */
public final class RunnerScript {
  private RunnerScript() {}

  public static String of(Map<String, String> exports, String projectDir, List<String> commands) {
    StringBuilder body = new StringBuilder();
    exports.forEach((k, v) -> body.append("export ").append(k).append('=').append(ansiC(v)).append('\n'));
    // gitlab-runner's get_sources makes the project dir with git; the model makes it in every stage
    body.append("mkdir -p ").append(ansiC(projectDir)).append('\n');
    body.append("cd ").append(ansiC(projectDir)).append('\n');
    for (String c : commands) {
      body.append("echo ").append(ansiC("\u001b[32;1m$ " + c + "\u001b[0;m")).append('\n');
      body.append(c).append('\n');
    }
    return "#!/usr/bin/env bash\n\n"
        + "trap exit 1 TERM\n\n"
        + "if set -o | grep pipefail > /dev/null; then set -o pipefail; fi; set -o errexit\n"
        + "set +o noclobber\n"
        + ": | eval " + ansiC(body.toString()) + "\n"
        + "exit 0\n";
  }

  /** bash's $'...' quoting, as gitlab-runner's helpers.ShellEscape produces for non-trivial strings. */
  static String ansiC(String s) {
    StringBuilder b = new StringBuilder("$'");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\'' -> b.append("\\'");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\u001b' -> b.append("\\x1b");
        default -> b.append(c);
      }
    }
    return b.append('\'').toString();
  }
}
