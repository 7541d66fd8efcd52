package dev.cde.bench;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * zstd as {@code cde cache save} frames an archive (independent 4 MiB frames, level 3, checksums), one frame after
 * the other on one thread: through zstd's one-shot call ({@code ZstdCompressCtx.compressByteArray}, what
 * FrameCompressor used) against a zstd stream kept from frame to frame, a flush ending each (what it uses now).
 * Side by side in each round, on the same bytes in memory; prints each round and the best of each, then the
 * stream at level 1 and with a 512 KiB window (what cheaper settings would cost in size).
 * Usage: ZstdFramesBench FILE [ROUNDS, default 3] (a tar: docs/benchmarks.md, "Keyed archive cache").
 */
public final class ZstdFramesBench {
  private static final int FRAME = 4 << 20;
  private static final int LEVEL = 3;

  private ZstdFramesBench() {}

  public static void main(String[] args) throws IOException {
    byte[] input = Files.readAllBytes(Path.of(args[0]));
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    byte[] out = new byte[(int) Zstd.compressBound(FRAME) + 4096];
    double bestOneShot = Double.MAX_VALUE;
    double bestStream = Double.MAX_VALUE;
    long oneShotSize = 0;
    long streamSize = 0;
    System.out.printf(Locale.ROOT, "%s: %d bytes, frames of %d MiB, level %d, one thread%n", args[0], input.length,
        FRAME >> 20, LEVEL);
    for (int r = 1; r <= rounds; r++) {
      long t0 = System.nanoTime();
      oneShotSize = 0;
      try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
        ctx.setLevel(LEVEL);
        ctx.setChecksum(true);
        for (int off = 0; off < input.length; off += FRAME) {
          oneShotSize += ctx.compressByteArray(out, 0, out.length, input, off, Math.min(FRAME, input.length - off));
        }
      }
      long t1 = System.nanoTime();
      streamSize = stream(input, out, LEVEL, 0);
      long t2 = System.nanoTime();
      double oneShot = (t1 - t0) / 1e9;
      double stream = (t2 - t1) / 1e9;
      bestOneShot = Math.min(bestOneShot, oneShot);
      bestStream = Math.min(bestStream, stream);
      System.out.printf(Locale.ROOT, "round %d: one-shot %.3f s, stream %.3f s%n", r, oneShot, stream);
    }
    System.out.printf(Locale.ROOT, "best: one-shot %.3f s (%d bytes), stream %.3f s (%d bytes): time %.2f, size %.4f%n",
        bestOneShot, oneShotSize, bestStream, streamSize, bestStream / bestOneShot, (double) streamSize / oneShotSize);
    // What cheaper settings would cost in size (the stream, once each): why cde keeps level 3 and zstd's window.
    for (int[] v : new int[][] {{1, 0}, {LEVEL, 19}}) {
      long t0 = System.nanoTime();
      long size = stream(input, out, v[0], v[1]);
      System.out.printf(Locale.ROOT, "stream, level %d%s: %.3f s, %d bytes (size %.4f of level %d's)%n", v[0],
          v[1] == 0 ? "" : ", window " + (1 << v[1] >> 10) + " KiB", (System.nanoTime() - t0) / 1e9, size,
          (double) size / streamSize, LEVEL);
    }
  }

  /** The input through one stream kept from frame to frame, as above; returns the compressed size. */
  private static long stream(byte[] input, byte[] out, int level, int windowLog) throws IOException {
    Sink sink = new Sink(out);
    try (ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(sink, RecyclingBufferPool.INSTANCE)
        .setLevel(level).setChecksum(true).setCloseFrameOnFlush(true)) {
      if (windowLog > 0) {
        z.setWindowLog(windowLog);
      }
      for (int off = 0; off < input.length; off += FRAME) {
        sink.length = 0;
        z.write(input, off, Math.min(FRAME, input.length - off));
        z.flush();
        sink.total += sink.length;
      }
    }
    return sink.total;
  }

  /** The frame's bytes land in one array (a frame never exceeds zstd's bound for its input). */
  private static final class Sink extends OutputStream {
    private final byte[] into;
    private int length;
    private long total;

    Sink(byte[] into) {
      this.into = into;
    }

    @Override
    public void write(int b) {
      into[length++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int n) {
      System.arraycopy(b, off, into, length, n);
      length += n;
    }
  }
}
