package dev.cde.bridge.costs;

import java.util.Optional;

/**
 * The place for advice on a group's instance size ("this job used 2 of its 8 CPUs: try cpu=2"): an advisor bean
 * that a later feature provides replaces {@link NoSizingAdvice}; its answer becomes the group's
 * {@code recommendation}. It sees the group as the aggregates made it and must not change stored data.
 */
public interface SizingAdvisor {
  Optional<String> advise(CostGrouping groupBy, CostGroup group);
}
