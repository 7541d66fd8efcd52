package dev.cde.bridge.problem;

/** An error that reaches the HTTP client as a problem document with its own status and title. */
public abstract class ApiException extends RuntimeException {
  private final int status;
  private final String title;

  protected ApiException(int status, String title, String detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }

  public Problem problem() {
    return Problem.of(status, title, getMessage());
  }
}
