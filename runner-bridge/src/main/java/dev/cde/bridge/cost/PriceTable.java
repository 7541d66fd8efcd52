package dev.cde.bridge.cost;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;

/** USD per unit-second of each resource. */
public record PriceTable(BigDecimal cpuSecond, BigDecimal gibSecond, BigDecimal gpuSecond,
    Map<String, BigDecimal> gpuSecondByType) {

  /**
   * Defaults for GPUs by type, in USD per GPU-second; configuration adds to or overrides them. T4
   * and A10 follow FC's Tesla/Ampere GPU pricing, L4 and H100 typical per-second cloud list prices.
   */
  public static final Map<String, BigDecimal> DEFAULT_GPU_PRICES = Map.of(
      "t4", new BigDecimal("0.000055"),
      "a10", new BigDecimal("0.00013"),
      "l4", new BigDecimal("0.00011"),
      "h100", new BigDecimal("0.0012"));

  public PriceTable {
    gpuSecondByType = Map.copyOf(gpuSecondByType);
  }

  public static PriceTable from(CostConfig c) {
    java.util.Map<String, BigDecimal> gpus = new java.util.HashMap<>(DEFAULT_GPU_PRICES);
    c.gpuSecondByType().forEach((k, v) -> gpus.put(k.toLowerCase(Locale.ROOT), v));
    return new PriceTable(c.cpuSecond(), c.gibSecond(), c.gpuSecond(), gpus);
  }

  public BigDecimal gpuSecond(String type) {
    return type == null ? gpuSecond : gpuSecondByType.getOrDefault(type.toLowerCase(Locale.ROOT), gpuSecond);
  }
}
