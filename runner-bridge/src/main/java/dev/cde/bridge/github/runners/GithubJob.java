package dev.cde.bridge.github.runners;

import java.time.Instant;
import java.util.List;

/**
 * One attempt of a workflow job as the bridge knows it. {@code status}: waiting, queued, in_progress, completed,
 * refused (policy) or given_up (launches kept failing). {@code labelKey} identifies the label set runners are
 * counted by; {@code labelError} is set when the labels do not parse (the job is then failed through its hook).
 */
public record GithubJob(long jobId, int runAttempt, String repository, long runId, String jobName, List<String> labels,
    String labelKey, String status, String labelError, String runnerName, String detail, int launchFailures,
    Instant createdAt, Instant updatedAt) {

  public static final String WAITING = "waiting";
  public static final String QUEUED = "queued";
  public static final String IN_PROGRESS = "in_progress";
  public static final String COMPLETED = "completed";
  public static final String REFUSED = "refused";
  public static final String GIVEN_UP = "given_up";
}
