package dev.cde.cli.cache;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * zstd on several threads, as independent frames of {@link #CHUNK} bytes each, written in order: what pzstd writes,
 * and one zstd stream to every reader (zstd -d, zstd-jni's ZstdInputStream, the bridge's inspector). Frames carry
 * a checksum, as the zstd command's do.
 *
 * <p>Why not zstd-jni's own workers (ZstdOutputStream.setWorkers), which this replaced: on the benchmark's
 * dependency cache the thread feeding it spent 1.5 of 2.2 s blocked inside it while each worker was busy a quarter
 * of the time (its jobs are 8 MiB and it waits for the oldest to be flushed). Here the feeding thread blocks only
 * when {@code workers + 2} frames are in flight. Frames of 4 MiB lose only the matches across their edges: for
 * deflated jars, nothing.
 *
 * <p>Each frame goes through zstd's streaming compressor, not its one-shot call: at the same level and window the
 * one-shot call ({@code compressByteArray}) took 1.01 s where the stream took 0.52 s on the benchmark's 614 MB tar
 * (deflated jars), and 1.63 s against 1.53 s on a real {@code ~/.m2} of 671 MB, the archives the same size within
 * 0.05 % ({@code ZstdFramesBench}; docs/benchmarks.md, "Keyed archive cache").
 */
final class FrameCompressor extends OutputStream {
  static final int CHUNK = 4 << 20;

  /** One compressed frame: {@code length} bytes of {@code bytes}; {@code input} goes back to the free inputs. */
  private record Frame(byte[] bytes, int length, byte[] input) {
  }

  private final OutputStream out;
  private final ExecutorService pool;
  private final int maxInFlight;
  private final ArrayDeque<Future<Frame>> inFlight = new ArrayDeque<>();
  private final ArrayDeque<byte[]> freeInputs = new ArrayDeque<>();
  private final ArrayDeque<byte[]> freeOutputs = new ArrayDeque<>();
  private final List<Worker> started = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Worker> worker;
  private byte[] chunk = new byte[CHUNK];
  private int len;
  private boolean closed;

  FrameCompressor(OutputStream out, int level, int workers) {
    this.out = out;
    this.maxInFlight = workers + 2;
    this.pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "cde-cache-zstd");
      t.setDaemon(true);
      return t;
    });
    this.worker = ThreadLocal.withInitial(() -> {
      Worker w = new Worker(level);
      started.add(w);
      return w;
    });
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int n) throws IOException {
    int at = off;
    int left = n;
    while (left > 0) {
      int k = Math.min(left, CHUNK - len);
      System.arraycopy(b, at, chunk, len, k);
      len += k;
      at += k;
      left -= k;
      if (len == CHUNK) {
        submit();
      }
    }
  }

  private void submit() throws IOException {
    byte[] input = chunk;
    int length = len;
    byte[] output = freeOutputs.isEmpty() ? new byte[(int) Zstd.compressBound(CHUNK)] : freeOutputs.poll();
    inFlight.add(pool.submit(() -> worker.get().compress(output, input, length)));
    chunk = freeInputs.isEmpty() ? new byte[CHUNK] : freeInputs.poll();
    len = 0;
    while (inFlight.size() >= maxInFlight) {
      writeOldest();
    }
  }

  private void writeOldest() throws IOException {
    Frame f;
    try {
      f = inFlight.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while compressing");
    } catch (ExecutionException e) {
      throw new IOException("zstd failed: " + e.getCause(), e.getCause());
    }
    out.write(f.bytes(), 0, f.length());
    freeInputs.add(f.input());
    freeOutputs.add(f.bytes());
  }

  /** Compresses and writes what is buffered (a frame shorter than the others), then flushes the stream below. */
  @Override
  public void flush() throws IOException {
    if (len > 0) {
      submit();
    }
    while (!inFlight.isEmpty()) {
      writeOldest();
    }
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flush();
    } finally {
      pool.shutdownNow();
      for (Worker w : started) {
        w.close();
      }
      out.close();
    }
  }

  /**
   * A compressing thread's zstd stream, kept from frame to frame: each flush ends the frame (with its checksum),
   * and the next write starts another into the output the sink was pointed at.
   */
  private static final class Worker {
    private final FrameSink sink = new FrameSink();
    private final ZstdOutputStreamNoFinalizer zstd;

    Worker(int level) {
      try {
        zstd = new ZstdOutputStreamNoFinalizer(sink, RecyclingBufferPool.INSTANCE).setLevel(level)
            .setChecksum(true).setCloseFrameOnFlush(true);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    Frame compress(byte[] output, byte[] input, int length) throws IOException {
      sink.reset(output);
      zstd.write(input, 0, length);
      zstd.flush();
      return new Frame(sink.bytes, sink.length, input);
    }

    void close() {
      try {
        zstd.closeWithoutClosingParentStream();
      } catch (IOException e) {
        // only native memory is released here; the frames were all written
      }
    }
  }

  /** Where one frame is compressed to: an output array of the pool, grown should a frame not fit its bound. */
  private static final class FrameSink extends OutputStream {
    private byte[] bytes;
    private int length;

    void reset(byte[] into) {
      bytes = into;
      length = 0;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int n) {
      if (length + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
      }
      System.arraycopy(b, off, bytes, length, n);
      length += n;
    }
  }
}
