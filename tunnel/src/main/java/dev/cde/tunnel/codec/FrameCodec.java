package dev.cde.tunnel.codec;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes frames into WebSocket binary messages and decodes them back. One message holds one or more
 * whole frames; a frame never spans two messages, so a decoder needs no state between messages.
 * Every bound is checked before any allocation, so hostile input costs at most one message's bytes.
 */
public final class FrameCodec {
  public static final int VERSION = 1;
  public static final int HEADER_LENGTH = 12;
  /** Largest payload of DATA / DATA_ERR. */
  public static final int MAX_DATA_PAYLOAD = 32 * 1024;
  /** Largest payload of any other frame (JSON control bodies are small). */
  public static final int MAX_CONTROL_PAYLOAD = 16 * 1024;
  /** Largest WebSocket message a peer may send; senders batch frames up to this size. */
  public static final int MAX_MESSAGE = 256 * 1024;

  private FrameCodec() {}

  public static Buffer encode(Frame frame) {
    Buffer out = Buffer.buffer(HEADER_LENGTH + frame.length());
    encodeTo(out, frame);
    return out;
  }

  public static void encodeTo(Buffer out, Frame frame) {
    checkPayload(frame.type(), frame.length());
    if ((frame.flags() & ~0xFFFF) != 0) {
      throw new IllegalArgumentException("flags out of range: " + frame.flags());
    }
    out.appendUnsignedByte((short) VERSION)
        .appendUnsignedByte((short) frame.type().code)
        .appendUnsignedShort(frame.flags())
        .appendInt(frame.channel())
        .appendInt(frame.length())
        .appendBuffer(frame.payload());
  }

  /** Decodes every frame in one WebSocket message, or throws on the first malformed one. */
  public static List<Frame> decode(Buffer message) {
    if (message.length() > MAX_MESSAGE) {
      throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
          "message of " + message.length() + " bytes exceeds " + MAX_MESSAGE);
    }
    List<Frame> frames = new ArrayList<>(2);
    int pos = 0;
    while (pos < message.length()) {
      int remaining = message.length() - pos;
      if (remaining < HEADER_LENGTH) {
        throw new ProtocolException(ErrorCode.PROTOCOL_ERROR,
            "truncated frame header: " + remaining + " bytes at offset " + pos);
      }
      int version = message.getUnsignedByte(pos);
      if (version != VERSION) {
        throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "unsupported protocol version " + version);
      }
      int code = message.getUnsignedByte(pos + 1);
      FrameType type = FrameType.of(code);
      if (type == null) {
        throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x" + Integer.toHexString(code));
      }
      int flags = message.getUnsignedShort(pos + 2);
      int channel = message.getInt(pos + 4);
      long length = message.getUnsignedInt(pos + 8);
      checkPayload(type, length);
      if (length > remaining - HEADER_LENGTH) {
        throw new ProtocolException(ErrorCode.PROTOCOL_ERROR,
            type + " frame declares " + length + " payload bytes but only " + (remaining - HEADER_LENGTH) + " follow");
      }
      int start = pos + HEADER_LENGTH;
      // A slice, not a copy: the message buffer is ours alone once the WebSocket has handed it over.
      frames.add(new Frame(type, flags, channel, message.slice(start, start + (int) length)));
      pos = start + (int) length;
    }
    if (frames.isEmpty()) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "empty message");
    }
    return frames;
  }

  private static void checkPayload(FrameType type, long length) {
    long max = type.carriesData() ? MAX_DATA_PAYLOAD : MAX_CONTROL_PAYLOAD;
    if (length > max) {
      throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
          type + " payload of " + length + " bytes exceeds " + max);
    }
  }
}
