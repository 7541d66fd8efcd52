package dev.cde.gitlab;

/**
 * A stage that cannot go on: reported as one line on stderr ({@code cde-gitlab-executor: <message>}) and
 * the exit code gitlab-runner asked for that kind of failure.
 */
public class StageFailure extends RuntimeException {
  /** SYSTEM: ours (bridge, instance, tunnel, bad size), retried by gitlab-runner in prepare. BUILD: the job's. */
  public enum Kind { SYSTEM, BUILD }

  private final Kind kind;

  public StageFailure(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public StageFailure(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static StageFailure system(String message) {
    return new StageFailure(Kind.SYSTEM, message);
  }
}
