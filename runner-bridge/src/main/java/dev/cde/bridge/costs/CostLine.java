package dev.cde.bridge.costs;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One (ended) session's cost with what the bridge knows of the job it ran. The job's fields are null where nothing
 * says (a session created through the API for a person, a GitLab job's workflow).
 *
 * @param labelKey     the job's label set as compared: lower case, sorted, one per line
 * @param name         the client's name for the session (GitLab's {@code gitlab-<host>-<job id>}, or null)
 * @param startedAt    launch; null when the session never launched
 * @param billedMillis the billed time to the millisecond; null for sessions ended before metering recorded it
 * @param jobStartedAt the job's start as its client told it (session_meters), or null
 * @param jobEndedAt   the job's end as its client told it, or null
 * @param currency     the currency of the amounts (the price table's when the session ended); null before metering
 */
public record CostLine(String sessionId, Instant endedAt, double cpu, long memoryMb, String gpuType, int gpuCount,
    long billedSeconds, BigDecimal cpuUsd, BigDecimal memoryUsd, BigDecimal gpuUsd, BigDecimal totalUsd,
    String repository, String workflow, String job, String labelKey, String name, Instant startedAt,
    Long billedMillis, Instant jobStartedAt, Instant jobEndedAt, String currency) {

  /** The instance size, as the labels and the session API spell it. */
  public String size() {
    return size(cpu, memoryMb, gpuType, gpuCount);
  }

  /** A size as the labels and the session API spell it: {@code cpu=4 mem=16g gpu=t4:2}. */
  public static String size(double cpu, long memoryMb, String gpuType, int gpuCount) {
    String cpus = cpu == Math.rint(cpu) ? Long.toString((long) cpu) : Double.toString(cpu);
    String mem = memoryMb % 1024 == 0 ? memoryMb / 1024 + "g" : memoryMb + "m";
    return "cpu=" + cpus + " mem=" + mem + (gpuCount > 0 ? " gpu=" + gpuType + (gpuCount > 1 ? ":" + gpuCount : "") : "");
  }
}
