package dev.cde.tunnel;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks a job's output against {@code seq 1 N}: the lines 1, 2, 3, ... each exactly once, in order, however
 * the bytes were cut into buffers. Keeps the first difference, for a message that says where output was
 * lost or repeated.
 */
public final class SeqLines {
  private final StringBuilder partial = new StringBuilder();
  private final AtomicLong lines = new AtomicLong();
  private volatile String error;

  public void accept(Buffer b) {
    partial.append(b.toString(StandardCharsets.US_ASCII));
    int start = 0;
    int nl;
    while ((nl = partial.indexOf("\n", start)) >= 0) {
      String line = partial.substring(start, nl);
      long expected = lines.get() + 1;
      if (error == null && !line.equals(Long.toString(expected))) {
        error = "expected line " + expected + ", got '" + line + "'";
      }
      lines.incrementAndGet();
      start = nl + 1;
    }
    partial.delete(0, start);
  }

  public long lines() {
    return lines.get();
  }

  /** The first line that was not the next number, or null. */
  public String error() {
    return error;
  }
}
