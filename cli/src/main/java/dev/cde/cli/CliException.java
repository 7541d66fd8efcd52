package dev.cde.cli;

/** A failure to report as one line on stderr ({@code cde: <message>}) and an exit code from {@link ExitCodes}. */
public class CliException extends RuntimeException {
  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  static CliException authRefused() {
    return new CliException(ExitCodes.AUTH_REFUSED,
        "the bridge refused the API token (set CDE_API_TOKEN or check $CDE_HOME/api-token)");
  }
}
