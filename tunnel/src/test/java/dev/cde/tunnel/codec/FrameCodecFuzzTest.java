package dev.cde.tunnel.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Failure;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Coverage-guided fuzzing of what a peer's bytes meet first: the frame decoder, then the JSON bodies of the
 * control frames. Any WebSocket message must decode to frames that re-encode to exactly the message, or be
 * refused with the documented {@link ProtocolException} (which closes the connection with its code); a body must
 * decode or be refused the same way. Anything else (an unchecked exception, a hang, an allocation beyond the
 * message) is a bug.
 *
 * <p>In every build this runs on the seeds and past findings in {@code FrameCodecFuzzTestInputs/} (real frames
 * written by the codec, see the README there); {@code fuzz/run.sh} fuzzes it for real (docs/fuzzing.md).
 */
class FrameCodecFuzzTest {

  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({"\u0001\u0000", "\u0001\u0001", "\u0001\u0004", "\u0001\u0007", "\u0001\u000b",
      "{\"kind\":\"exec\",\"argv\":[", "{\"code\":", "\"reason\":", "{\"protocol\":1,", "\"type\":\"resize\"",
      "\"signalNumber\":"})
  void aMessageDecodesToFramesThatReEncodeToItOrIsAProtocolError(byte[] message) {
    List<Frame> frames;
    try {
      frames = FrameCodec.decode(Buffer.buffer(message));
    } catch (ProtocolException e) {
      assertThat(e.code()).isIn(ErrorCode.PROTOCOL_ERROR, ErrorCode.FRAME_TOO_LARGE);
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(frames).isNotEmpty();
    Buffer again = Buffer.buffer(message.length);
    for (Frame f : frames) {
      FrameCodec.encodeTo(again, f);
      body(f);
    }
    assertThat(again.getBytes()).isEqualTo(message);
  }

  /** The body as {@code TunnelSession} reads it: a value, or a PROTOCOL_ERROR. */
  private static void body(Frame f) {
    Class<?> type = switch (f.type()) {
      case HELLO -> Hello.class;
      case OPEN -> OpenRequest.class;
      case OPEN_FAIL, RST, GOAWAY -> Failure.class;
      case EXIT -> ExitStatus.class;
      case REQUEST -> ChannelRequest.class;
      case RESUME -> dev.cde.tunnel.message.Resume.class;
      default -> null;
    };
    if (type == null) {
      return;
    }
    try {
      Object value = Json.decode(f.payload(), type);
      assertThat(value).isNotNull();
      if (value instanceof ExitStatus exit) {
        exit.describe();
        exit.shellCode();
      } else if (value instanceof Failure failure) {
        ErrorCode.of(failure.code());
        assertThat(failure.reason() == null || failure.reason().length() <= Failure.MAX_REASON + 3).isTrue();
      }
    } catch (ProtocolException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
