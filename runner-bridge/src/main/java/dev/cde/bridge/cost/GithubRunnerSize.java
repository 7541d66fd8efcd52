package dev.cde.bridge.cost;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * One GitHub-hosted Linux runner size and its per-minute price. {@code gpu} is null for CPU runners;
 * {@code maxJob} is null unless GitHub ends longer jobs on it.
 */
public record GithubRunnerSize(String sku, String label, BigDecimal cpu, BigDecimal memoryGb, String gpu, int gpuCount,
    BigDecimal perMinute, Duration maxJob) {
}
