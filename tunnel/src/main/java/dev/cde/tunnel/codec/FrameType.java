package dev.cde.tunnel.codec;

/**
 * Frame types of the cde tunnel protocol (docs/protocol.md, "Frame table").
 * Control frames jump the send queue; data-bearing frames (DATA, DATA_ERR) consume credit.
 * Sequenced frames (everything that changes a channel's state) are counted by both sides and kept for
 * replay until acknowledged, so a resumed connection continues them exactly; session frames are not.
 */
public enum FrameType {
  HELLO(0x00, true),
  OPEN(0x01, true),
  OPEN_OK(0x02, true),
  OPEN_FAIL(0x03, true),
  DATA(0x04, false),
  DATA_ERR(0x05, false),
  EOF(0x06, false),
  EXIT(0x07, false),
  RST(0x08, true),
  REQUEST(0x09, true),
  WINDOW_UPDATE(0x0A, true),
  PING(0x0B, true),
  PONG(0x0C, true),
  GOAWAY(0x0D, true),
  ACK(0x0E, true),
  RESUME(0x0F, true);

  private static final FrameType[] BY_CODE = new FrameType[256];

  static {
    for (FrameType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

  public final int code;
  /** Whether this frame may overtake queued data. EOF and EXIT may not: they follow the channel's data. */
  public final boolean control;

  FrameType(int code, boolean control) {
    this.code = code;
    this.control = control;
  }

  /** Counted and replayed on resume: every channel frame; not HELLO, PING, PONG, GOAWAY, ACK, RESUME. */
  public boolean sequenced() {
    return switch (this) {
      case HELLO, PING, PONG, GOAWAY, ACK, RESUME -> false;
      default -> true;
    };
  }

  public boolean carriesData() {
    return this == DATA || this == DATA_ERR;
  }

  /** The type for a wire code, or null when the code is not defined. */
  public static FrameType of(int code) {
    return code >= 0 && code < 256 ? BY_CODE[code] : null;
  }
}
