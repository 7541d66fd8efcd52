package dev.cde.bridge.cost;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Prices in USD. The defaults follow Alibaba Cloud Function Compute's compute units (see
 * /work/shared/notes/serverless-platforms.md: 1 vCPU-second = 1 CU, 1 GB-second of memory = 0.15 CU,
 * about $0.00002 per CU), rounded: $0.00002 per vCPU-second, $0.000003 per GiB-second.
 */
@ConfigMapping(prefix = "cde.cost")
public interface CostConfig {
  /** USD per vCPU-second. */
  @WithDefault("0.00002")
  BigDecimal cpuSecond();

  /** USD per GiB-second of memory. */
  @WithDefault("0.000003")
  BigDecimal gibSecond();

  /** USD per GPU-second for GPU types missing from {@code gpu-second-by-type}. */
  @WithDefault("0.00011")
  BigDecimal gpuSecond();

  /** USD per GPU-second by GPU type (lower case), e.g. {@code cde.cost.gpu-second-by-type.t4=0.000055}. */
  Map<String, BigDecimal> gpuSecondByType();
}
