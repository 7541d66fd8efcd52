package dev.cde.bridge.cost;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The cost arithmetic against the worked examples on the providers' own pricing pages (each test cites its page).
 * The examples price a month of many invocations; one cde session is one invocation, and the calculator prices the
 * same usage whether it is spread over many invocations or not, so the month is fed in as one usage. Free tiers are
 * not in cde's tables: where an example subtracts one, the test subtracts it from cde's figure the same way.
 */
class ProviderWorkedExamplesTest {
  static final PriceBook BOOK = PriceFiles.load(Optional.empty());

  static PriceTable table(String provider) {
    return BOOK.table(provider, null).orElseThrow();
  }

  static BigDecimal cents(BigDecimal v) {
    return v.setScale(2, RoundingMode.HALF_UP);
  }

  static PriceTable withGibSecond(PriceTable t, String price) {
    return new PriceTable(t.provider(), t.region(), t.title(), t.currency(), t.vcpuSecond(), new BigDecimal(price),
        t.gpuSecond(), t.request(), t.billing(), t.source(), t.published(), t.checked(), t.notes());
  }

  /**
   * https://aws.amazon.com/lambda/pricing/ (the page's earlier version, when the GB-second price was quoted as
   * $0.00001667), "Example 1": 512MB, 3 million executions of 1 second in a month. "Total compute (GB-s) =
   * 3,000,000 * 512MB/1024 = 1,500,000 GB-s"; after the 400,000 GB-s free tier "1,100,000 * $0.00001667 = $18.34";
   * requests "2M * $0.2/M = $0.40" after 1M free; "Total charges = $18.34 + $0.40 = $18.74 per month".
   */
  @Test
  void awsLambdaExample1() {
    PriceTable lambda = withGibSecond(table("lambda"), "0.00001667");
    CostBreakdown c = CostCalculator.cost(lambda, new Usage(BigDecimal.ONE, 512, null, 0,
        Duration.ofSeconds(3_000_000), 3_000_000));
    BigDecimal gbSeconds = c.memory().divide(lambda.gibSecond());
    assertThat(gbSeconds).isEqualByComparingTo("1500000");
    assertThat(c.cpu()).as("Lambda bills memory only").isEqualByComparingTo("0");
    BigDecimal compute = c.memory().subtract(new BigDecimal("400000").multiply(lambda.gibSecond()));
    BigDecimal requests = c.requests().subtract(new BigDecimal("1000000").multiply(lambda.request()));
    assertThat(cents(compute)).isEqualByComparingTo("18.34");
    assertThat(cents(requests)).isEqualByComparingTo("0.40");
    assertThat(cents(compute).add(cents(requests))).isEqualByComparingTo("18.74");
    // without the free tiers, which cde leaves out: what a session of that usage is billed
    assertThat(c.rounded().total()).isEqualByComparingTo("25.605000"); // 1,500,000 x 0.00001667 + 3M x 0.0000002
  }

  /**
   * https://aws.amazon.com/lambda/pricing/ today: "Duration is calculated from the time your code begins executing
   * until it returns or otherwise terminates, rounded up to the nearest 1 ms", at $0.0000166667 per GB-second; its
   * table of the price per 1 ms by memory size is computed as the GB-second price times the GB-seconds of 1 ms
   * ({@code priceOf!...!Duration!*!0.000125!decimals=10} for 128 MB), to 10 decimals.
   */
  @Test
  void awsLambdaPricePerMillisecondAndItsRounding() {
    PriceTable lambda = table("lambda");
    Map<Long, String> perMs = Map.of(128L, "0.0000000021", 512L, "0.0000000083", 1024L, "0.0000000167",
        1536L, "0.0000000250", 2048L, "0.0000000333", 10240L, "0.0000001667");
    perMs.forEach((mb, price) -> assertThat(CostCalculator.cost(lambda, new Usage(BigDecimal.ZERO, mb, null, 0,
        Duration.ofMillis(1), 0)).memory().setScale(10, RoundingMode.HALF_UP)).as(mb + " MB").isEqualTo(price));
    BillingRule rule = lambda.billing();
    assertThat(rule.billed(Duration.ofNanos(500_000))).isEqualTo(Duration.ofMillis(1));
    assertThat(rule.billed(Duration.ofNanos(1_000_100))).isEqualTo(Duration.ofMillis(2));
    assertThat(rule.billed(Duration.ofMillis(120))).isEqualTo(Duration.ofMillis(120));
    assertThat(rule.coldStartBilled()).as("initialization code outside the handler is billed").isTrue();
  }

  /**
   * Function Compute's pay-as-you-go example,
   * https://help.aliyun.com/en/functioncompute/fc-2-0/product-overview/pay-as-you-go-billing-method (the same CU
   * factors as FC 3.0's page): 3 million invocations a month of 200 ms, 512 MB, 0.25 vCPU, no GPU. "Step 1:
   * 3,000,000 invocations ÷ 10,000 × 75 = 22,500 CU"; "Step 2: ... 300,000 GB-seconds × 0.15 = 45,000 CU"; "Step 3:
   * Total vCPU-seconds = 3,000,000 × 0.2 s × 0.25 vCPU = 150,000 vCPU-seconds, 150,000 × 1 = 150,000 CU"; then
   * 217,500 CU at USD 0.000020 per CU.
   */
  @Test
  void functionComputeExample() {
    PriceTable fc = table("aliyun-fc");
    BigDecimal perCu = new BigDecimal("0.000020");
    CostBreakdown c = CostCalculator.cost(fc, new Usage(new BigDecimal("0.25"), 512, null, 0,
        Duration.ofSeconds(600_000), 3_000_000));
    assertThat(c.requests().divide(perCu)).isEqualByComparingTo("22500");
    assertThat(c.memory().divide(perCu)).isEqualByComparingTo("45000");
    assertThat(c.cpu().divide(perCu)).isEqualByComparingTo("150000");
    assertThat(c.total().divide(perCu)).isEqualByComparingTo("217500");
    assertThat(c.rounded().total()).isEqualByComparingTo("4.350000");
  }

  /**
   * https://cloud.google.com/run/pricing: "Cloud Run charges you only for the resources you use, rounded up to the
   * nearest 100 millisecond", and "A GiB-second means for example running a 1 gibibyte instance for 1 second, or
   * running a 256 mebibyte instance for 4 seconds. The same principle applies for the vCPU-second unit."
   */
  @Test
  void cloudRunUnitsAndRounding() {
    PriceTable run = table("cloud-run");
    BigDecimal oneGib = CostCalculator.cost(run, new Usage(BigDecimal.ZERO, 1024, null, 0, Duration.ofSeconds(1), 0))
        .memory();
    BigDecimal quarterGib = CostCalculator.cost(run, new Usage(BigDecimal.ZERO, 256, null, 0, Duration.ofSeconds(4), 0))
        .memory();
    assertThat(oneGib).isEqualByComparingTo(run.gibSecond()).isEqualByComparingTo(quarterGib);
    BigDecimal oneVcpu = CostCalculator.cost(run, new Usage(BigDecimal.ONE, 0, null, 0, Duration.ofSeconds(1), 0)).cpu();
    BigDecimal quarterVcpu = CostCalculator.cost(run, new Usage(new BigDecimal("0.25"), 0, null, 0,
        Duration.ofSeconds(4), 0)).cpu();
    assertThat(oneVcpu).isEqualByComparingTo("0.000018").isEqualByComparingTo(quarterVcpu);
    BillingRule rule = run.billing();
    assertThat(rule.billed(Duration.ofMillis(230))).isEqualTo(Duration.ofMillis(300));
    assertThat(rule.billed(Duration.ofMillis(1))).isEqualTo(Duration.ofMillis(100));
    assertThat(rule.billed(Duration.ofMillis(4000))).isEqualTo(Duration.ofMillis(4000));
    assertThat(rule.coldStartBilled()).as("the whole instance lifecycle is billed").isTrue();
    // an L4 session of 4 vCPU, 16 GiB for 10 minutes: 600 s x (4 x 0.000018 + 16 x 0.000002 + 0.0001867)
    CostBreakdown l4 = CostCalculator.cost(run, new Usage(new BigDecimal("4"), 16 * 1024, "l4", 1,
        Duration.ofMinutes(10), 1)).rounded();
    assertThat(l4.total()).isEqualByComparingTo("0.174420");
    assertThat(l4.requests()).as("instance-based billing has no request fee").isEqualByComparingTo("0");
  }

  /**
   * https://docs.github.com/en/billing/reference/actions-runner-pricing: "GitHub rounds the minutes and partial
   * minutes each job uses up to the nearest whole minute"; Linux 2-core $0.006, Linux 4-core $0.012 per minute
   * (January 1, 2026 onward).
   */
  @Test
  void githubRoundsEachJobUpToWholeMinutes() {
    GithubHostedPrices gh = BOOK.githubHosted();
    GithubHostedCost twoCore = GithubHostedCost.nearest(gh, new BigDecimal("2"), 4096, null, 0,
        Duration.ofSeconds(61)).orElseThrow();
    assertThat(twoCore.sku()).isEqualTo("linux");
    assertThat(twoCore.minutes()).isEqualByComparingTo("2");
    assertThat(twoCore.cost()).isEqualByComparingTo("0.012");
    assertThat(GithubHostedCost.nearest(gh, new BigDecimal("2"), 4096, null, 0, Duration.ofSeconds(59)).orElseThrow()
        .cost()).isEqualByComparingTo("0.006");
    assertThat(GithubHostedCost.nearest(gh, new BigDecimal("2"), 4096, null, 0, Duration.ofMillis(1)).orElseThrow()
        .minutes()).isEqualByComparingTo("1");
    assertThat(GithubHostedCost.nearest(gh, new BigDecimal("2"), 4096, null, 0, Duration.ZERO).orElseThrow()
        .cost()).isEqualByComparingTo("0");
    assertThat(GithubHostedCost.nearest(gh, new BigDecimal("3"), 4096, null, 0, Duration.ofMinutes(10)).orElseThrow())
        .satisfies(c -> {
          assertThat(c.sku()).isEqualTo("linux_4_core");
          assertThat(c.cost()).isEqualByComparingTo("0.120");
          assertThat(c.currency()).isEqualTo("USD");
        });
  }

  @Test
  void theNearestGithubHostedSizeHasAtLeastWhatTheSessionAskedFor() {
    GithubHostedPrices gh = BOOK.githubHosted();
    assertThat(nearest(gh, "1", 2048, null, 0, Duration.ofMinutes(5))).isEqualTo("linux_slim");
    assertThat(nearest(gh, "1", 2048, null, 0, Duration.ofMinutes(20))).as("ubuntu-slim ends jobs after 15 minutes")
        .isEqualTo("linux");
    assertThat(nearest(gh, "0.5", 6 * 1024, null, 0, Duration.ofMinutes(5))).as("5 GB is too little").isEqualTo("linux");
    assertThat(nearest(gh, "2", 9 * 1024, null, 0, Duration.ofMinutes(5))).isEqualTo("linux_4_core");
    assertThat(nearest(gh, "16", 64 * 1024, null, 0, Duration.ofMinutes(5))).isEqualTo("linux_16_core");
    assertThat(nearest(gh, "96", 384 * 1024, null, 0, Duration.ofMinutes(5))).isEqualTo("linux_96_core");
    assertThat(nearest(gh, "128", 1024, null, 0, Duration.ofMinutes(5))).isNull();
    assertThat(nearest(gh, "4", 16 * 1024, "t4", 1, Duration.ofMinutes(5))).isEqualTo("linux_4_core_gpu");
    assertThat(nearest(gh, "4", 16 * 1024, "t4", 2, Duration.ofMinutes(5))).as("one GPU at most").isNull();
    assertThat(nearest(gh, "8", 16 * 1024, "t4", 1, Duration.ofMinutes(5))).as("the GPU runner has 4 vCPU").isNull();
    GithubHostedCost l4 = GithubHostedCost.nearest(gh, new BigDecimal("4"), 16 * 1024, "l4", 1, Duration.ofMinutes(5))
        .orElseThrow();
    assertThat(l4.sku()).isEqualTo("linux_4_core_gpu");
    assertThat(l4.note()).isEqualTo("GitHub's GPU runner has a t4, not a l4");
    assertThat(l4.cost()).isEqualByComparingTo("0.260"); // 5 x 0.052
  }

  static String nearest(GithubHostedPrices gh, String cpu, long mib, String gpu, int gpus, Duration d) {
    return GithubHostedCost.nearest(gh, new BigDecimal(cpu), mib, gpu, gpus, d).map(GithubHostedCost::sku).orElse(null);
  }

  @Test
  void granularityAndMinimum() {
    BillingRule perSecondMinuteMinimum = new BillingRule(Duration.ofSeconds(1), Duration.ofMinutes(1), true);
    assertThat(perSecondMinuteMinimum.billed(Duration.ZERO)).as("nothing ran, nothing billed").isEqualTo(Duration.ZERO);
    assertThat(perSecondMinuteMinimum.billed(Duration.ofMillis(-5))).isEqualTo(Duration.ZERO);
    assertThat(perSecondMinuteMinimum.billed(Duration.ofMillis(1))).isEqualTo(Duration.ofMinutes(1));
    assertThat(perSecondMinuteMinimum.billed(Duration.ofSeconds(60))).isEqualTo(Duration.ofMinutes(1));
    assertThat(perSecondMinuteMinimum.billed(Duration.ofMillis(61_200))).isEqualTo(Duration.ofSeconds(62));
    BillingRule perMs = new BillingRule(Duration.ofMillis(1), Duration.ZERO, false);
    assertThat(perMs.billed(Duration.ofNanos(1))).isEqualTo(Duration.ofMillis(1));
    assertThat(perMs.billed(Duration.ofMillis(90_200))).isEqualTo(Duration.ofMillis(90_200));
    BillingRule per100ms = new BillingRule(Duration.ofMillis(100), Duration.ZERO, true);
    assertThat(per100ms.billed(Duration.ofMillis(90_201))).isEqualTo(Duration.ofMillis(90_300));
  }

  @Test
  void roundingHappensOncePerPartAndTheTotalIsTheirSum() {
    PriceTable fc = table("aliyun-fc");
    // 0.25 vCPU, 128 MiB, 10 ms: 0.00000005 + 0.000000003750 + 0.00000015 exactly
    CostBreakdown exact = CostCalculator.cost(fc, new Usage(new BigDecimal("0.25"), 128, null, 0,
        Duration.ofMillis(10), 1));
    assertThat(exact.total()).isEqualByComparingTo("0.00000020375");
    CostBreakdown r = exact.rounded();
    assertThat(r.total()).isEqualByComparingTo("0.000000");
    assertThat(r.total().scale()).isEqualTo(6);
    assertThat(r.billedSeconds()).isEqualTo(new BigDecimal("0.010"));
    // 2 vCPU, 4 GiB, one T4 for 90.2 s
    CostBreakdown t4 = CostCalculator.cost(fc, new Usage(new BigDecimal("2"), 4096, "t4", 1,
        Duration.ofMillis(90_200), 1)).rounded();
    assertThat(t4.cpu()).isEqualByComparingTo("0.003608");     // 2 x 90.2 x 0.00002
    assertThat(t4.memory()).isEqualByComparingTo("0.001082");  // 4 x 90.2 x 0.000003 = 0.0010824
    assertThat(t4.gpu()).isEqualByComparingTo("0.060614");     // 90.2 x 0.000672 = 0.0606144
    assertThat(t4.requests()).isEqualByComparingTo("0.000000");
    assertThat(t4.total()).isEqualByComparingTo("0.065304");
    assertThat(t4.unpriced()).isEmpty();
    CostBreakdown h100 = CostCalculator.cost(fc, new Usage(BigDecimal.ONE, 1024, "h100", 2, Duration.ofSeconds(10), 1));
    assertThat(h100.gpu()).isEqualByComparingTo("0");
    assertThat(h100.unpriced()).containsExactly("gpu h100 (no price in aliyun-fc/international)");
  }

  @Test
  void aTableInAnotherCurrencyKeepsIt() {
    PriceTable fc = table("aliyun-fc");
    PriceTable yuan = new PriceTable("my-cloud", "cn", "yuan", "CNY", new BigDecimal("0.000127"), BigDecimal.ZERO,
        Map.of(), BigDecimal.ZERO, fc.billing(), "mine", null, null, null);
    CostBreakdown c = CostCalculator.cost(yuan, new Usage(BigDecimal.ONE, 1024, null, 0, Duration.ofSeconds(100), 1))
        .rounded();
    assertThat(c.currency()).isEqualTo("CNY");
    assertThat(c.total()).isEqualByComparingTo("0.012700");
    assertThat(dev.cde.bridge.session.Session.usd(c)).as("never shown as dollars").isNull();
  }
}
