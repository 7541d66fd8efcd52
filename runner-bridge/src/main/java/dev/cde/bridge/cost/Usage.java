package dev.cde.bridge.cost;

import java.math.BigDecimal;
import java.time.Duration;

/** What one session used: its configured size for {@code billed} time, and how many invocations it made. */
public record Usage(BigDecimal vcpus, long memoryMiB, String gpuType, int gpuCount, Duration billed, long requests) {
}
