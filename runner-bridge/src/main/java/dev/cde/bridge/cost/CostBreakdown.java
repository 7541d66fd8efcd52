package dev.cde.bridge.cost;

import java.math.BigDecimal;

/** What a session cost, in USD with 6 decimals; {@code totalUsd} is the sum of the three parts. */
public record CostBreakdown(long seconds, BigDecimal cpuUsd, BigDecimal memoryUsd, BigDecimal gpuUsd,
    BigDecimal totalUsd) {
}
