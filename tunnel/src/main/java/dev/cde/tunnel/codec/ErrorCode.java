package dev.cde.tunnel.codec;

/** Error codes carried in GOAWAY, RST and OPEN_FAIL (docs/protocol.md, "Error codes"). */
public enum ErrorCode {
  NONE(0, 1000),
  PROTOCOL_ERROR(1, 1002),
  FRAME_TOO_LARGE(2, 1009),
  FLOW_CONTROL_ERROR(3, 1002),
  UNAUTHORIZED(4, 1008),
  UNKNOWN_CHANNEL(5, 1002),
  KEEPALIVE_TIMEOUT(6, 1001),
  SHUTDOWN(7, 1001),
  REFUSED(8, 1000),
  INTERNAL(9, 1011);

  public final int code;
  /** WebSocket close status used when this error ends the whole connection (RFC 6455 section 7.4.1). */
  public final short closeStatus;

  ErrorCode(int code, int closeStatus) {
    this.code = code;
    this.closeStatus = (short) closeStatus;
  }

  public static ErrorCode of(int code) {
    for (ErrorCode e : values()) {
      if (e.code == code) {
        return e;
      }
    }
    return PROTOCOL_ERROR;
  }
}
