package dev.cde.cli.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * File contents in flight between threads (save's read-ahead, restore's writers), in a few large arrays used over
 * and over: an array per file made ~600 MiB of garbage for a dependency cache, and the collector's pauses, which
 * copy the arrays still waiting, stopped the thread everything waits for. One thread reserves; any thread
 * releases.
 */
final class Slabs {
  /** At least {@link ReadAhead#SMALL_FILE}: any content handed between threads fits one slab. */
  static final int SLAB = 4 << 20;

  private final int max;
  private final BlockingQueue<Slab> free;
  private int made;
  private Slab current;

  Slabs(int max) {
    this.max = max;
    this.free = new ArrayBlockingQueue<>(max);
  }

  /** What to do while waiting for a slab: throw when waiting is pointless (a writer failed). */
  interface WhileWaiting {
    void check() throws IOException;
  }

  /** {@code length} bytes at {@code offset} of {@code bytes}, held until {@link #release}d. */
  record Slice(byte[] bytes, int offset, int length, Slab slab) {
    void release() {
      slab.release();
    }
  }

  /** One array; back among the free ones once the reserving thread moved on and every slice is released. */
  final class Slab {
    final byte[] bytes = new byte[SLAB];
    int used;
    /** The reserving thread's own while it fills this slab, and one per slice not yet released. */
    final AtomicInteger refs = new AtomicInteger();

    void release() {
      if (refs.decrementAndGet() == 0) {
        free.add(this);
      }
    }
  }

  /** Whether {@link #reserve} of {@code length} bytes would return at once. */
  boolean ready(int length) {
    return current != null && SLAB - current.used >= length || !free.isEmpty() || made < max;
  }

  /** Room for {@code length} (at most {@link #SLAB}) bytes; waits for a slab when all are in use. */
  Slice reserve(int length, WhileWaiting waiting) throws IOException {
    if (current == null || SLAB - current.used < length) {
      Slab next = take(waiting);
      if (current != null) {
        current.release();
      }
      current = next;
      current.used = 0;
      current.refs.set(1);
    }
    current.refs.incrementAndGet();
    Slice s = new Slice(current.bytes, current.used, length, current);
    current.used += length;
    return s;
  }

  private Slab take(WhileWaiting waiting) throws IOException {
    Slab s = free.poll();
    if (s != null) {
      return s;
    }
    if (made < max) {
      made++;
      return new Slab();
    }
    try {
      while ((s = free.poll(100, TimeUnit.MILLISECONDS)) == null) {
        waiting.check();
      }
      return s;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for room for file contents");
    }
  }
}
