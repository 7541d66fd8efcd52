package dev.cde.tunnel;

import dev.cde.tunnel.codec.ErrorCode;

/** The peer answered OPEN with OPEN_FAIL, or the session ended before it answered. */
public final class ChannelOpenException extends RuntimeException {
  private final ErrorCode code;

  public ChannelOpenException(ErrorCode code, String reason) {
    super(reason);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
