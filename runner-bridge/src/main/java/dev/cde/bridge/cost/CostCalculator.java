package dev.cde.bridge.cost;

import dev.cde.bridge.provider.InstanceSpec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/** Bills per started second, at least one second, like the serverless platforms we run on. */
@ApplicationScoped
public class CostCalculator {
  public static final int SCALE = 6;
  private static final BigDecimal MIB_PER_GIB = BigDecimal.valueOf(1024);
  private final PriceTable prices;

  @Inject
  public CostCalculator(CostConfig config) {
    this(PriceTable.from(config));
  }

  public CostCalculator(PriceTable prices) {
    this.prices = prices;
  }

  public PriceTable prices() {
    return prices;
  }

  public static long billedSeconds(Duration d) {
    long millis = Math.max(0, d.toMillis());
    return Math.max(1, (millis + 999) / 1000);
  }

  public CostBreakdown cost(InstanceSpec spec, Duration duration) {
    long seconds = billedSeconds(duration);
    BigDecimal s = BigDecimal.valueOf(seconds);
    BigDecimal cpu = round(BigDecimal.valueOf(spec.cpu()).multiply(s).multiply(prices.cpuSecond()));
    BigDecimal gib = BigDecimal.valueOf(spec.memoryMb()).divide(MIB_PER_GIB, 10, RoundingMode.HALF_UP);
    BigDecimal memory = round(gib.multiply(s).multiply(prices.gibSecond()));
    BigDecimal gpu = spec.gpuCount() <= 0 ? round(BigDecimal.ZERO)
        : round(BigDecimal.valueOf(spec.gpuCount()).multiply(s).multiply(prices.gpuSecond(spec.gpuType())));
    return new CostBreakdown(seconds, cpu, memory, gpu, cpu.add(memory).add(gpu));
  }

  public static CostBreakdown zero() {
    BigDecimal z = round(BigDecimal.ZERO);
    return new CostBreakdown(0, z, z, z, z);
  }

  private static BigDecimal round(BigDecimal v) {
    return v.setScale(SCALE, RoundingMode.HALF_UP);
  }
}
