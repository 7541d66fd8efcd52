package dev.cde.bridge.github.labels;

import java.time.Duration;

/**
 * What a job's {@code runs-on} labels ask for. {@code gpuType} is null and {@code gpuCount} 0 without a GPU;
 * {@code runId} is the value of the run-scoped pairing label {@code cde-run=<id>}, or null without one.
 */
public record JobSpec(double cpu, long memoryMb, String gpuType, int gpuCount, String template, Duration timeout,
    String runId) {
  /** What a bare {@code cde-serverless} job gets; the same as a session created without a size. */
  public static final JobSpec DEFAULTS = new JobSpec(1, 2048, null, 0, "default", Duration.ofMinutes(60), null);
}
