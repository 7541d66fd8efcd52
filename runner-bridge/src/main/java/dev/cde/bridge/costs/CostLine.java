package dev.cde.bridge.costs;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One ended session's cost with what the bridge knows of the job it ran. The job's fields are null where nothing
 * says (a session created through the API for a person, a GitLab job's workflow).
 *
 * @param labelKey the job's label set as compared: lower case, sorted, one per line
 */
record CostLine(String sessionId, Instant endedAt, double cpu, long memoryMb, String gpuType, int gpuCount,
    long billedSeconds, BigDecimal cpuUsd, BigDecimal memoryUsd, BigDecimal gpuUsd, BigDecimal totalUsd,
    String repository, String workflow, String job, String labelKey) {

  /** The instance size, as the labels and the session API spell it. */
  String size() {
    String cpus = cpu == Math.rint(cpu) ? Long.toString((long) cpu) : Double.toString(cpu);
    String mem = memoryMb % 1024 == 0 ? memoryMb / 1024 + "g" : memoryMb + "m";
    return "cpu=" + cpus + " mem=" + mem + (gpuCount > 0 ? " gpu=" + gpuType + (gpuCount > 1 ? ":" + gpuCount : "") : "");
  }
}
