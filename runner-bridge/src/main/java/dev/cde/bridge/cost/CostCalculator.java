package dev.cde.bridge.cost;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Prices a usage with a table, in exact decimals: quantity x seconds x unit price for each resource, plus the
 * per-request fee. No rounding here; {@link CostBreakdown#rounded()} rounds once, where a cost is recorded.
 */
public final class CostCalculator {
  private static final BigDecimal MIB_PER_GIB = BigDecimal.valueOf(1024);

  private CostCalculator() {
  }

  public static CostBreakdown cost(PriceTable t, Usage u) {
    BigDecimal seconds = seconds(u.billed());
    BigDecimal cpu = u.vcpus().multiply(seconds).multiply(t.vcpuSecond());
    BigDecimal memory = gib(u.memoryMiB()).multiply(seconds).multiply(t.gibSecond());
    BigDecimal gpu = BigDecimal.ZERO;
    List<String> unpriced = new ArrayList<>();
    if (u.gpuCount() > 0) {
      var price = t.gpuSecond(u.gpuType());
      if (price.isPresent()) {
        gpu = BigDecimal.valueOf(u.gpuCount()).multiply(seconds).multiply(price.get());
      } else {
        unpriced.add("gpu " + u.gpuType() + " (no price in " + t.key() + ")");
      }
    }
    BigDecimal requests = BigDecimal.valueOf(u.requests()).multiply(t.request());
    return new CostBreakdown(t.key(), t.currency(), seconds, cpu, memory, gpu, requests,
        cpu.add(memory).add(gpu).add(requests), unpriced);
  }

  /** Exact: a duration is whole nanoseconds. */
  public static BigDecimal seconds(Duration d) {
    return new BigDecimal(d.toNanos()).movePointLeft(9);
  }

  /** Exact: 1024 is a power of two, so every MiB count has a finite decimal in GiB. */
  public static BigDecimal gib(long mib) {
    return BigDecimal.valueOf(mib).divide(MIB_PER_GIB);
  }
}
