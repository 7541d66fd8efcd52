package dev.cde.gitlab.run;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/** With CDE_DEBUG set, where a stage's time goes, from the JVM's start: the per-stage overhead is ours to keep small. */
final class Timings {
  private final boolean on;
  private final PrintStream err;
  private final Instant start;

  Timings(boolean on, PrintStream err) {
    this.on = on;
    this.err = err;
    // the JVM's own start time (ProcessHandle's is rounded to clock ticks); loaded only when asked for
    this.start = on ? Instant.ofEpochMilli(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime())
        : Instant.now();
    mark("main");
  }

  void mark(String what) {
    if (on) {
      err.println("cde: debug: " + what + " at " + Duration.between(start, Instant.now()).toMillis() + " ms");
    }
  }
}
