package dev.cde.bridge.cost;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;

/**
 * What a job would have cost on the nearest GitHub-hosted runner: the cheapest Linux size with at least the
 * session's vCPUs, memory and GPUs, for the job's time rounded up to whole minutes as GitHub bills it.
 * {@code note} says where the comparison limps (another GPU type).
 */
public record GithubHostedCost(String sku, String label, BigDecimal cpu, BigDecimal memoryGb, String gpu,
    BigDecimal perMinute, BigDecimal minutes, BigDecimal cost, String currency, String note) {
  private static final BigDecimal SECONDS_PER_MINUTE = BigDecimal.valueOf(60);

  /** Empty when no GitHub-hosted size is that large (or has that many GPUs). */
  public static Optional<GithubHostedCost> nearest(GithubHostedPrices prices, BigDecimal vcpus, long memoryMiB,
      String gpuType, int gpuCount, Duration job) {
    BigDecimal gib = CostCalculator.gib(memoryMiB);
    return prices.runners().stream()
        .filter(r -> r.cpu().compareTo(vcpus) >= 0 && r.memoryGb().compareTo(gib) >= 0)
        .filter(r -> gpuCount == 0 ? r.gpuCount() == 0 : r.gpuCount() >= gpuCount)
        .filter(r -> r.maxJob() == null || job.compareTo(r.maxJob()) <= 0)
        .min(Comparator.comparing(GithubRunnerSize::perMinute).thenComparing(GithubRunnerSize::cpu))
        .map(r -> {
          Duration billed = new BillingRule(prices.granularity(), Duration.ZERO, true).billed(job);
          BigDecimal minutes = CostCalculator.seconds(billed).divide(SECONDS_PER_MINUTE, 9, RoundingMode.HALF_UP)
              .stripTrailingZeros();
          if (minutes.scale() < 0) {
            minutes = minutes.setScale(0);
          }
          String note = gpuCount > 0 && r.gpu() != null && !r.gpu().equalsIgnoreCase(gpuType)
              ? "GitHub's GPU runner has a " + r.gpu() + ", not a " + gpuType : null;
          return new GithubHostedCost(r.sku(), r.label(), r.cpu(), r.memoryGb(), r.gpu(), r.perMinute(), minutes,
              CostBreakdown.amount(minutes.multiply(r.perMinute())), prices.currency(), note);
        });
  }
}
