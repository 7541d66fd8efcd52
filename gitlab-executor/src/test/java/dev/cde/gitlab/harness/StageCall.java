package dev.cde.gitlab.harness;

/** One call of the driver: its exit code, what it wrote, and BUILD_EXIT_CODE_FILE's content after it (or null). */
public record StageCall(String label, int code, String out, String err, long millis, String buildExitCodeFile) {
  public String both() {
    return out + err;
  }

  @Override
  public String toString() {
    return label + " -> " + code + " in " + millis + " ms\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
