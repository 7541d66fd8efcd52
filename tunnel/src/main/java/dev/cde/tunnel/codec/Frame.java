package dev.cde.tunnel.codec;

import io.vertx.core.buffer.Buffer;

/** One tunnel frame: {@code ver u8 | type u8 | flags u16 | channel u32 | length u32 | payload}. */
public record Frame(FrameType type, int flags, int channel, Buffer payload) {

  public static final Buffer EMPTY = Buffer.buffer(0);

  public Frame {
    if (payload == null) {
      payload = EMPTY;
    }
  }

  public static Frame of(FrameType type, int channel) {
    return new Frame(type, 0, channel, EMPTY);
  }

  public static Frame of(FrameType type, int channel, Buffer payload) {
    return new Frame(type, 0, channel, payload);
  }

  public int length() {
    return payload.length();
  }

  @Override
  public String toString() {
    return type + "(ch=" + Integer.toUnsignedString(channel) + ", flags=" + flags + ", len=" + payload.length() + ")";
  }
}
