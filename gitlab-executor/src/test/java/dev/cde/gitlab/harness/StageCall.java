package dev.cde.gitlab.harness;

/** One call of the driver: its arguments, exit code and what it wrote. */
public record StageCall(String label, int code, String out, String err, long millis) {
  public String both() {
    return out + err;
  }

  @Override
  public String toString() {
    return label + " -> " + code + " in " + millis + " ms\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
