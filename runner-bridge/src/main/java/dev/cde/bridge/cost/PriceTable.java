package dev.cde.bridge.cost;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One provider's prices in one region, in {@code currency}: per vCPU-second, per GiB-second of memory, per
 * GPU-second by GPU type (lower case), per request (one session is one invocation), and how time is billed.
 * {@code source} and {@code checked} say where the figures come from and when they were read.
 */
public record PriceTable(String provider, String region, String title, String currency, BigDecimal vcpuSecond,
    BigDecimal gibSecond, Map<String, BigDecimal> gpuSecond, BigDecimal request, BillingRule billing, String source,
    LocalDate published, LocalDate checked, String notes) {

  public PriceTable {
    gpuSecond = Map.copyOf(gpuSecond);
  }

  /** {@code provider/region}, as reports and the session record name it. */
  public String key() {
    return provider + "/" + region;
  }

  /** Empty when this table has no price for the type: the cost is then incomplete, never guessed. */
  public Optional<BigDecimal> gpuSecond(String type) {
    return type == null ? Optional.empty() : Optional.ofNullable(gpuSecond.get(type.toLowerCase(Locale.ROOT)));
  }
}
