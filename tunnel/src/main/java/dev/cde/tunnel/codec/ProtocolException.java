package dev.cde.tunnel.codec;

/** A peer broke the protocol; the connection that carried the bytes is closed with {@link #code()}. */
public final class ProtocolException extends RuntimeException {
  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
