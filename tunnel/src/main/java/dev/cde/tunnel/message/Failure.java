package dev.cde.tunnel.message;

/** Body of OPEN_FAIL, RST and GOAWAY: a numeric {@link dev.cde.tunnel.codec.ErrorCode} and a reason for people. */
public record Failure(int code, String reason) {
  /** Reasons are for people; a long one (a stack of causes, a huge command line) is cut to fit a control frame. */
  public static final int MAX_REASON = 1024;

  public Failure {
    if (reason != null && reason.length() > MAX_REASON) {
      reason = reason.substring(0, MAX_REASON) + "...";
    }
  }
}
