package dev.cde.bridge.github.runners;

import java.time.Instant;
import java.util.List;

/**
 * One JIT runner the bridge started, on its own session. {@code forJobId} is the job it was started for (its
 * name says so), {@code jobId} the job it really took, once GitHub said. {@code state}: starting, idle (waiting
 * for a job), busy, done.
 */
public record GithubRunner(String name, String sessionId, String repository, List<String> labels, String labelKey,
    long forJobId, int forRunAttempt, Long runnerId, Long jobId, String state, String detail, Instant createdAt,
    Instant updatedAt) {

  public static final String STARTING = "starting";
  public static final String IDLE = "idle";
  public static final String BUSY = "busy";
  public static final String DONE = "done";

  public boolean live() {
    return !DONE.equals(state);
  }

  /** Started and not known to have taken a job: capacity for a queued job of its label set. */
  public boolean available() {
    return (STARTING.equals(state) || IDLE.equals(state)) && jobId == null;
  }
}
