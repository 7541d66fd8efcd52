package dev.cde.bridge.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Threads released at once against one row, as two webhook deliveries, the reconciler and a second bridge replica
 * meet in production: what the database, not the Java code, must decide.
 */
public final class Racers {
  @FunctionalInterface
  public interface Attempt {
    boolean run(int racer) throws Exception;
  }

  private Racers() {
  }

  /** Runs {@code attempt} on {@code racers} threads released together; returns how many returned true. */
  public static int winners(int racers, Attempt attempt) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        int racer = i;
        results.add(pool.submit(() -> {
          start.await();
          return attempt.run(racer);
        }));
      }
      start.countDown();
      int won = 0;
      for (Future<Boolean> r : results) {
        won += r.get() ? 1 : 0;
      }
      return won;
    } finally {
      pool.shutdownNow();
    }
  }
}
