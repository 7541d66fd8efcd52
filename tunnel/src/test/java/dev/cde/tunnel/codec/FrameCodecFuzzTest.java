package dev.cde.tunnel.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Seeded fuzz of the decoder: random bytes and mutated valid encodings (bit flips, truncation,
 * splicing, header rewrites). Decode must either return frames whose re-encoding is the input, or
 * throw ProtocolException; anything else is a bug. Set -Dfuzz.seed=N to replay a failure.
 */
class FrameCodecFuzzTest {
  private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 200_000);

  @Test
  void decoderNeverFailsOtherThanWithProtocolException() {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    int decoded = 0;
    int rejected = 0;
    byte[] input = null;
    try {
      for (int i = 0; i < ITERATIONS; i++) {
        input = next(random);
        try {
          List<Frame> frames = FrameCodec.decode(Buffer.buffer(input));
          Buffer again = Buffer.buffer();
          frames.forEach(f -> FrameCodec.encodeTo(again, f));
          if (!Arrays.equals(again.getBytes(), input)) {
            throw new AssertionFailedError("re-encoding differs at iteration " + i);
          }
          decoded++;
        } catch (ProtocolException e) {
          assertThat(e.code()).isIn(ErrorCode.PROTOCOL_ERROR, ErrorCode.FRAME_TOO_LARGE);
          assertThat(e.getMessage()).isNotBlank();
          rejected++;
        }
      }
    } catch (Throwable t) {
      throw new AssertionFailedError("fuzz failed with seed " + seed + " (replay with -Dfuzz.seed=" + seed
          + "), input of " + (input == null ? 0 : input.length) + " bytes: " + t, t);
    }
    System.out.printf("FrameCodecFuzzTest seed=%d: %d decoded, %d rejected%n", seed, decoded, rejected);
    // The generator must exercise both outcomes, or it tests nothing.
    assertThat(decoded).as("seed " + seed).isGreaterThan(ITERATIONS / 20);
    assertThat(rejected).as("seed " + seed).isGreaterThan(ITERATIONS / 20);
  }

  private static byte[] next(SplittableRandom r) {
    switch (r.nextInt(6)) {
      case 0: {
        byte[] b = new byte[r.nextInt(64)];
        r.nextBytes(b);
        return b;
      }
      case 1:
        return valid(r);
      default: {
        byte[] b = valid(r);
        int mutations = 1 + r.nextInt(3);
        for (int m = 0; m < mutations; m++) {
          b = mutate(r, b);
        }
        return b;
      }
    }
  }

  private static byte[] valid(SplittableRandom r) {
    Buffer message = Buffer.buffer();
    int frames = 1 + r.nextInt(4);
    FrameType[] types = FrameType.values();
    for (int i = 0; i < frames; i++) {
      FrameType t = types[r.nextInt(types.length)];
      int max = t.carriesData() ? FrameCodec.MAX_DATA_PAYLOAD : FrameCodec.MAX_CONTROL_PAYLOAD;
      int len = r.nextInt(10) == 0 ? max - r.nextInt(2) : r.nextInt(48);
      byte[] payload = new byte[len];
      r.nextBytes(payload);
      FrameCodec.encodeTo(message, new Frame(t, r.nextInt(0x10000), r.nextInt(), Buffer.buffer(payload)));
    }
    return message.getBytes();
  }

  private static byte[] mutate(SplittableRandom r, byte[] b) {
    switch (r.nextInt(6)) {
      case 0: { // bit flip, biased towards the first header
        if (b.length == 0) {
          return b;
        }
        int pos = r.nextBoolean() ? r.nextInt(Math.min(b.length, FrameCodec.HEADER_LENGTH)) : r.nextInt(b.length);
        b[pos] ^= (byte) (1 << r.nextInt(8));
        return b;
      }
      case 1: // truncate
        return Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
      case 2: { // splice another valid message at a random point
        byte[] other = valid(r);
        int cut = r.nextInt(b.length + 1);
        int from = r.nextInt(other.length + 1);
        byte[] out = Arrays.copyOf(b, cut + other.length - from);
        System.arraycopy(other, from, out, cut, other.length - from);
        return out;
      }
      case 3: { // rewrite the length field of the first frame
        if (b.length >= FrameCodec.HEADER_LENGTH) {
          long len = switch (r.nextInt(4)) {
            case 0 -> 0xFFFFFFFFL;
            case 1 -> 0x80000000L;
            case 2 -> b.length - FrameCodec.HEADER_LENGTH + r.nextInt(3) - 1;
            default -> r.nextInt(FrameCodec.MAX_DATA_PAYLOAD + 2);
          };
          b[8] = (byte) (len >>> 24);
          b[9] = (byte) (len >>> 16);
          b[10] = (byte) (len >>> 8);
          b[11] = (byte) len;
        }
        return b;
      }
      case 4: { // append garbage
        byte[] tail = new byte[r.nextInt(16)];
        r.nextBytes(tail);
        byte[] out = Arrays.copyOf(b, b.length + tail.length);
        System.arraycopy(tail, 0, out, b.length, tail.length);
        return out;
      }
      default: { // overwrite a byte with a boundary value
        if (b.length == 0) {
          return b;
        }
        byte[] values = {0, 1, (byte) 0x7F, (byte) 0x80, (byte) 0xFF, 0x0D, 0x0E};
        b[r.nextInt(b.length)] = values[r.nextInt(values.length)];
        return b;
      }
    }
  }
}
