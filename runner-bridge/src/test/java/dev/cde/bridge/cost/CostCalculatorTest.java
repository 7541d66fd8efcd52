package dev.cde.bridge.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.provider.InstanceSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostCalculatorTest {
  final CostCalculator calc = new CostCalculator(new PriceTable(new BigDecimal("0.00002"), new BigDecimal("0.000003"),
      new BigDecimal("0.00011"), PriceTable.DEFAULT_GPU_PRICES));

  @Test
  void billsPerStartedSecondWithAMinimumOfOne() {
    assertThat(CostCalculator.billedSeconds(Duration.ZERO)).isEqualTo(1);
    assertThat(CostCalculator.billedSeconds(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(CostCalculator.billedSeconds(Duration.ofMillis(1000))).isEqualTo(1);
    assertThat(CostCalculator.billedSeconds(Duration.ofMillis(1001))).isEqualTo(2);
    assertThat(CostCalculator.billedSeconds(Duration.ofMillis(-5))).isEqualTo(1);
  }

  @Test
  void cpuMemoryAndGpuByType() {
    // 2 vCPU, 4 GiB, one T4 for 90.2 s: billed 91 s.
    CostBreakdown c = calc.cost(new InstanceSpec("default", 2, 4096, "t4", 1, 3600), Duration.ofMillis(90_200));
    assertThat(c.seconds()).isEqualTo(91);
    assertThat(c.cpuUsd()).isEqualByComparingTo("0.003640"); // 2 * 91 * 0.00002
    assertThat(c.memoryUsd()).isEqualByComparingTo("0.001092"); // 4 * 91 * 0.000003
    assertThat(c.gpuUsd()).isEqualByComparingTo("0.005005"); // 91 * 0.000055
    assertThat(c.totalUsd()).isEqualByComparingTo("0.009737");
    assertThat(c.totalUsd().scale()).isEqualTo(6);
    assertThat(c.totalUsd().toPlainString()).isEqualTo("0.009737");
  }

  @Test
  void unknownGpuTypeUsesTheDefaultGpuPriceAndFractionsRoundHalfUp() {
    // 0.5 vCPU, 512 MiB, two "x9" GPUs for 1 h.
    CostBreakdown c = calc.cost(new InstanceSpec("default", 0.5, 512, "x9", 2, 3600), Duration.ofHours(1));
    assertThat(c.cpuUsd()).isEqualByComparingTo("0.036000"); // 0.5 * 3600 * 0.00002
    assertThat(c.memoryUsd()).isEqualByComparingTo("0.005400"); // 0.5 * 3600 * 0.000003
    assertThat(c.gpuUsd()).isEqualByComparingTo("0.792000"); // 2 * 3600 * 0.00011
    assertThat(c.totalUsd()).isEqualByComparingTo("0.833400");
    // 1 s of 0.25 vCPU and 128 MiB: 0.000005 and 0.000000375 -> 0.000000 (half-up at 6 places).
    CostBreakdown tiny = calc.cost(new InstanceSpec("default", 0.25, 128, null, 0, 60), Duration.ofMillis(10));
    assertThat(tiny.cpuUsd()).isEqualByComparingTo("0.000005");
    assertThat(tiny.memoryUsd()).isEqualByComparingTo("0.000000");
    assertThat(tiny.gpuUsd()).isEqualByComparingTo("0");
    assertThat(tiny.totalUsd().toPlainString()).isEqualTo("0.000005");
  }

  @Test
  void configuredGpuPricesOverrideTheDefaults() {
    CostConfig config = new CostConfig() {
      public BigDecimal cpuSecond() { return new BigDecimal("0.00002"); }
      public BigDecimal gibSecond() { return new BigDecimal("0.000003"); }
      public BigDecimal gpuSecond() { return new BigDecimal("0.00011"); }
      public Map<String, BigDecimal> gpuSecondByType() { return Map.of("T4", new BigDecimal("0.0001")); }
    };
    PriceTable prices = PriceTable.from(config);
    assertThat(prices.gpuSecond("t4")).isEqualByComparingTo("0.0001");
    assertThat(prices.gpuSecond("h100")).isEqualByComparingTo("0.0012");
    assertThat(prices.gpuSecond("unknown")).isEqualByComparingTo("0.00011");
  }
}
