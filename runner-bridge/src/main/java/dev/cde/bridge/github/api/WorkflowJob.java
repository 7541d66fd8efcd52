package dev.cde.bridge.github.api;

import java.util.List;

/**
 * A workflow job as the REST API reports it. {@code status}: queued, in_progress, completed, waiting, requested
 * or pending; {@code runnerName} is null until a runner took the job.
 */
public record WorkflowJob(long jobId, long runId, int runAttempt, String name, List<String> labels, String status,
    String conclusion, String runnerName) {
}
