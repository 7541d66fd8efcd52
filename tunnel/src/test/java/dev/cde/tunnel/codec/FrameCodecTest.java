package dev.cde.tunnel.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameCodecTest {

  private static Buffer bytes(int n, int seed) {
    Buffer b = Buffer.buffer(n);
    for (int i = 0; i < n; i++) {
      b.appendByte((byte) (i * 31 + seed));
    }
    return b;
  }

  private static Buffer header(int version, int type, int flags, int channel, long length) {
    return Buffer.buffer()
        .appendUnsignedByte((short) version)
        .appendUnsignedByte((short) type)
        .appendUnsignedShort(flags)
        .appendInt(channel)
        .appendUnsignedInt(length);
  }

  private static void assertSame(Frame actual, Frame expected) {
    assertThat(actual.type()).isEqualTo(expected.type());
    assertThat(actual.flags()).isEqualTo(expected.flags());
    assertThat(actual.channel()).isEqualTo(expected.channel());
    assertThat(actual.payload().getBytes()).isEqualTo(expected.payload().getBytes());
  }

  @ParameterizedTest
  @EnumSource(FrameType.class)
  void roundTripsEveryType(FrameType type) {
    int max = type.carriesData() ? FrameCodec.MAX_DATA_PAYLOAD : FrameCodec.MAX_CONTROL_PAYLOAD;
    for (int len : new int[] {0, 1, 8, 1000, max}) {
      Frame f = new Frame(type, 0xBEEF, 0xFFFFFFFE, bytes(len, type.code));
      Buffer wire = FrameCodec.encode(f);
      assertThat(wire.length()).isEqualTo(FrameCodec.HEADER_LENGTH + len);
      List<Frame> decoded = FrameCodec.decode(wire);
      assertThat(decoded).hasSize(1);
      assertSame(decoded.get(0), f);
    }
  }

  @Test
  void headerIsBigEndianAsDocumented() {
    Buffer wire = FrameCodec.encode(new Frame(FrameType.WINDOW_UPDATE, 0x0102, 0x03040506,
        Buffer.buffer().appendInt(0x00040000)));
    assertThat(wire.getBytes()).containsExactly(
        1, 0x0A, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0, 0, 0, 4, 0, 4, 0, 0);
  }

  @Test
  void decodesSeveralFramesFromOneMessage() {
    List<Frame> frames = new ArrayList<>();
    for (FrameType t : FrameType.values()) {
      frames.add(new Frame(t, t.code, t.code * 2 + 1, bytes(t.code * 3, 7)));
    }
    frames.add(Frame.of(FrameType.DATA, 9, bytes(FrameCodec.MAX_DATA_PAYLOAD, 1)));
    frames.add(Frame.of(FrameType.EOF, 9));
    Buffer message = Buffer.buffer();
    frames.forEach(f -> FrameCodec.encodeTo(message, f));

    List<Frame> decoded = FrameCodec.decode(message);
    assertThat(decoded).hasSize(frames.size());
    for (int i = 0; i < frames.size(); i++) {
      assertSame(decoded.get(i), frames.get(i));
    }
  }

  @Test
  void acceptsAMessageOfExactlyTheMaximumSize() {
    Buffer message = Buffer.buffer();
    int payload = FrameCodec.MAX_DATA_PAYLOAD;
    for (int i = 0; i < 7; i++) {
      FrameCodec.encodeTo(message, Frame.of(FrameType.DATA, 1, bytes(payload, 3)));
    }
    int rest = FrameCodec.MAX_MESSAGE - message.length() - FrameCodec.HEADER_LENGTH;
    FrameCodec.encodeTo(message, Frame.of(FrameType.DATA, 1, bytes(rest, 4)));
    assertThat(message.length()).isEqualTo(FrameCodec.MAX_MESSAGE);
    assertThat(FrameCodec.decode(message)).hasSize(8);
  }

  @Test
  void rejectsEmptyMessage() {
    assertProtocolError(Buffer.buffer(), ErrorCode.PROTOCOL_ERROR, "empty message");
  }

  @Test
  void rejectsTruncatedHeader() {
    Buffer full = FrameCodec.encode(Frame.of(FrameType.PING, 0, bytes(8, 0)));
    for (int n = 1; n < FrameCodec.HEADER_LENGTH; n++) {
      assertProtocolError(full.slice(0, n), ErrorCode.PROTOCOL_ERROR, "truncated frame header: " + n + " bytes at offset 0");
    }
    // A whole frame followed by a partial header.
    Buffer two = FrameCodec.encode(Frame.of(FrameType.EOF, 1)).appendBuffer(full.slice(0, 5));
    assertProtocolError(two, ErrorCode.PROTOCOL_ERROR, "truncated frame header: 5 bytes at offset 12");
  }

  @Test
  void rejectsBadVersion() {
    for (int v : new int[] {0, 2, 255}) {
      assertProtocolError(header(v, 4, 0, 1, 0), ErrorCode.PROTOCOL_ERROR, "unsupported protocol version " + v);
    }
  }

  @Test
  void rejectsUnknownType() {
    for (int t : new int[] {0x10, 0x7F, 0xFF}) {
      assertProtocolError(header(1, t, 0, 1, 0), ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x" + Integer.toHexString(t));
    }
  }

  @Test
  void rejectsDeclaredLengthBeyondMessage() {
    Buffer m = header(1, FrameType.DATA.code, 0, 1, 100).appendBuffer(bytes(99, 0));
    assertProtocolError(m, ErrorCode.PROTOCOL_ERROR, "DATA frame declares 100 payload bytes but only 99 follow");
  }

  @Test
  void rejectsOversizedDataPayloadEvenWhenDeclaredOnly() {
    Buffer m = header(1, FrameType.DATA.code, 0, 1, FrameCodec.MAX_DATA_PAYLOAD + 1)
        .appendBuffer(bytes(FrameCodec.MAX_DATA_PAYLOAD + 1, 0));
    assertProtocolError(m, ErrorCode.FRAME_TOO_LARGE, "DATA payload of 32769 bytes exceeds 32768");
    // A huge declared length (u32 max) is refused before anything is allocated or read.
    assertProtocolError(header(1, FrameType.DATA_ERR.code, 0, 1, 0xFFFFFFFFL), ErrorCode.FRAME_TOO_LARGE,
        "DATA_ERR payload of 4294967295 bytes exceeds 32768");
  }

  @Test
  void rejectsOversizedControlPayload() {
    Buffer m = header(1, FrameType.OPEN.code, 0, 1, FrameCodec.MAX_CONTROL_PAYLOAD + 1)
        .appendBuffer(bytes(FrameCodec.MAX_CONTROL_PAYLOAD + 1, 0));
    assertProtocolError(m, ErrorCode.FRAME_TOO_LARGE, "OPEN payload of 16385 bytes exceeds 16384");
  }

  @Test
  void rejectsOversizedMessage() {
    Buffer m = Buffer.buffer(new byte[FrameCodec.MAX_MESSAGE + 1]);
    assertProtocolError(m, ErrorCode.FRAME_TOO_LARGE, "message of 262145 bytes exceeds 262144");
  }

  @Test
  void refusesToEncodeOversizedPayloadsOrFlags() {
    assertThatThrownBy(() -> FrameCodec.encode(Frame.of(FrameType.DATA, 1, bytes(FrameCodec.MAX_DATA_PAYLOAD + 1, 0))))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> FrameCodec.encode(Frame.of(FrameType.EXIT, 1, bytes(FrameCodec.MAX_CONTROL_PAYLOAD + 1, 0))))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> FrameCodec.encode(new Frame(FrameType.EOF, 0x10000, 1, null)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errorCodesAreUniqueAndUnknownCodesMapToProtocolError() {
    assertThat(ErrorCode.values()).extracting(e -> e.code).doesNotHaveDuplicates();
    for (ErrorCode e : ErrorCode.values()) {
      assertThat(ErrorCode.of(e.code)).isEqualTo(e);
    }
    assertThat(ErrorCode.of(999)).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    assertThat(FrameType.of(-1)).isNull();
    assertThat(FrameType.of(256)).isNull();
  }

  private static void assertProtocolError(Buffer message, ErrorCode code, String text) {
    assertThatThrownBy(() -> FrameCodec.decode(message))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessage(text);
  }
}
