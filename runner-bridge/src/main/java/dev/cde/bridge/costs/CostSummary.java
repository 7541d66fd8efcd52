package dev.cde.bridge.costs;

import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code GET /api/v1/costs}: the period and filter asked for, the total, and the groups (by cost,
 * highest first; by day in order for {@code groupBy=day}, days without sessions included at zero).
 *
 * @param gpu null when sessions with and without a GPU are counted alike
 */
public record CostSummary(Instant from, Instant to, String groupBy, Boolean gpu, String currency, CostGroup total,
    List<CostGroup> groups) {
}
