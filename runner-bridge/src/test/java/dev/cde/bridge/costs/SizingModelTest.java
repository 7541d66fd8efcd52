package dev.cde.bridge.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cost.BillingRule;
import dev.cde.bridge.cost.PriceTable;
import dev.cde.bridge.costs.SizingAdvice.SizeEstimate;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sizing arithmetic on made-up histories whose answers can be worked out by hand. */
class SizingModelTest {
  /** 0.00002 per vCPU-second and 0.000003 per GiB-second, no request fee; billed per second (or per minute). */
  static PriceTable table(Duration granularity) {
    return new PriceTable("test", "r", "test prices", "USD", new BigDecimal("0.00002"), new BigDecimal("0.000003"),
        Map.of("t4", new BigDecimal("0.000672")), BigDecimal.ZERO, new BillingRule(granularity, Duration.ZERO, false),
        "https://example.test/prices", null, LocalDate.of(2026, 12, 2), null);
  }

  static SizingModel.Run run(double cpu, long memoryMb, String seconds, String billed) {
    return new SizingModel.Run(cpu, memoryMb, null, 0, new BigDecimal(seconds), new BigDecimal(billed),
        new BigDecimal("0.01"), "USD");
  }

  static SizeEstimate size(SizingAdvice a, String size) {
    return a.sizes().stream().filter(s -> s.size().equals(size)).findFirst().orElseThrow();
  }

  @Test
  void amdahlFittedToTwoCpuCountsEstimatesTheNeighbours() {
    // T(c) = 20 + 160/c: 100 s on 2 vCPUs, 40 s on 8; parallel fraction 160/180.
    List<SizingModel.Run> runs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      runs.add(run(8, 8192, "40", "41"));
      runs.add(run(2, 2048, "100", "101"));
    }
    SizingAdvice a = SizingModel.advise("octo/app · CI · build", runs, 5, table(Duration.ofSeconds(1)));
    assertThat(a.status()).isEqualTo(SizingAdvice.ADVICE);
    assertThat(a.current()).isEqualTo("cpu=8 mem=8g");
    assertThat(a.parallelFraction()).isEqualByComparingTo("0.889");
    // 4 vCPUs from the 8's median: 40 x T(4)/T(8) = 40 x 60/40; billed 60 s + the 1 s the runs billed beyond the job.
    SizeEstimate four = size(a, "cpu=4 mem=4g");
    assertThat(four.basis()).isEqualTo(SizeEstimate.ESTIMATED);
    assertThat(four.medianSeconds()).isEqualByComparingTo("60");
    assertThat(four.medianBilledSeconds()).isEqualByComparingTo("61");
    // 4 x 61 x 0.00002 + 4 x 61 x 0.000003
    assertThat(four.cost()).isEqualByComparingTo("0.005612");
    assertThat(size(a, "cpu=16 mem=16g").medianSeconds()).isEqualByComparingTo("30");
    assertThat(size(a, "cpu=1 mem=1g").medianSeconds()).isEqualByComparingTo("180");

    // measured: 8 vCPUs cost 8 x 41 x 0.00002 + 8 x 41 x 0.000003 = 0.007544; 2 vCPUs 0.004646
    assertThat(size(a, "cpu=8 mem=8g").cost()).isEqualByComparingTo("0.007544");
    assertThat(a.cheapest().size()).isEqualTo("cpu=2 mem=2g");
    assertThat(a.cheapest().cost()).isEqualByComparingTo("0.004646");
    assertThat(a.fastest().size()).isEqualTo("cpu=8 mem=8g");
    // 1 vCPU: 181 s x 0.000023 = 0.004163, cheaper than the cheapest measured; 16 vCPUs faster than the fastest.
    assertThat(a.untriedCheaper().size()).isEqualTo("cpu=1 mem=1g");
    assertThat(a.untriedFaster().size()).isEqualTo("cpu=16 mem=16g");
    assertThat(a.summary()).isEqualTo("cheapest: cpu=2 mem=2g at $0.004646 a run, 100 s (3 runs), instead of $0.007544"
        + " on cpu=8 mem=8g; fastest: cpu=8 mem=8g, 40 s median; untried cpu=1 mem=1g is estimated at $0.004163 a"
        + " run; untried cpu=16 mem=16g is estimated at 30 s");
  }

  @Test
  void billedTimeOfAnEstimateFollowsTheTablesGranularity() {
    List<SizingModel.Run> runs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      runs.add(run(4, 4096, "50", "60"));
      runs.add(run(2, 2048, "90", "120"));
    }
    // T = 10 + 160/c fits both exactly; 8 vCPUs from 4's median: 50 x 30/50 = 30 s. Billed beyond the job: 10 s on
    // 4 vCPUs, 30 s on 2; the median of 10, 10, 10, 30, 30, 30 is 20.
    SizingAdvice a = SizingModel.advise("j", runs, 5, table(Duration.ofMinutes(1)));
    assertThat(size(a, "cpu=8 mem=8g").medianSeconds()).isEqualByComparingTo("30");
    // 30 s + 20 s overhead = 50 s, billed as one minute
    assertThat(size(a, "cpu=8 mem=8g").medianBilledSeconds()).isEqualByComparingTo("60");
  }

  @Test
  void fewerRunsThanTheMinimumGiveNoAdvice() {
    SizingAdvice a = SizingModel.advise("j", List.of(run(4, 4096, "50", "50"), run(4, 4096, "51", "51")), 5,
        table(Duration.ofSeconds(1)));
    assertThat(a.status()).isEqualTo(SizingAdvice.NOT_ENOUGH_RUNS);
    assertThat(a.summary()).isEqualTo("not enough runs yet (2 of 5)");
    assertThat(a.cheapest()).isNull();
    assertThat(a.sizes()).isEmpty();
  }

  @Test
  void oneCpuCountOnlyEstimatesNothingAndSuggestsTheSmallerStep() {
    List<SizingModel.Run> runs = new ArrayList<>();
    for (String s : List.of("50", "52", "48", "51", "49")) {
      runs.add(run(4, 16384, s, s));
    }
    SizingAdvice a = SizingModel.advise("j", runs, 5, table(Duration.ofSeconds(1)));
    assertThat(a.parallelFraction()).isNull();
    assertThat(a.cheapest().size()).isEqualTo("cpu=4 mem=16g");
    assertThat(a.cheapest().medianSeconds()).isEqualByComparingTo("50");
    assertThat(a.sizes()).extracting(SizeEstimate::size, SizeEstimate::basis).containsExactly(
        org.assertj.core.groups.Tuple.tuple("cpu=4 mem=16g", SizeEstimate.MEASURED),
        org.assertj.core.groups.Tuple.tuple("cpu=2 mem=8g", SizeEstimate.UNTRIED),
        org.assertj.core.groups.Tuple.tuple("cpu=8 mem=32g", SizeEstimate.UNTRIED));
    assertThat(size(a, "cpu=2 mem=8g").cost()).isNull();
    assertThat(a.untriedCheaper()).isNull();
    assertThat(a.summary()).endsWith("; only one CPU count measured: run a few jobs on cpu=2 mem=8g to compare");
  }

  @Test
  void moreCpusThatWereSlowerFitNoParallelPart() {
    List<SizingModel.Run> runs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      runs.add(run(2, 2048, "100", "100"));
      runs.add(run(4, 4096, "110", "110"));
    }
    SizingAdvice a = SizingModel.advise("j", runs, 5, table(Duration.ofSeconds(1)));
    assertThat(a.parallelFraction()).isEqualByComparingTo("0");
    assertThat(a.fastest().size()).isEqualTo("cpu=2 mem=2g");
    assertThat(a.untriedFaster()).isNull();
    // no parallel part: 1 vCPU is estimated as fast as 2 and costs half
    assertThat(size(a, "cpu=1 mem=1g").medianSeconds()).isEqualByComparingTo("100");
    assertThat(a.untriedCheaper().size()).isEqualTo("cpu=1 mem=1g");
  }

  @Test
  void gpusAreKeptAndPricedWhileCpuStepsAroundThem() {
    List<SizingModel.Run> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      runs.add(new SizingModel.Run(4, 16384, "t4", 1, new BigDecimal("100"), new BigDecimal("100"),
          new BigDecimal("0.1"), "USD"));
    }
    SizingAdvice a = SizingModel.advise("j", runs, 5, table(Duration.ofSeconds(1)));
    // 4 x 100 x 0.00002 + 16 x 100 x 0.000003 + 100 x 0.000672
    assertThat(a.cheapest().cost()).isEqualByComparingTo("0.08");
    assertThat(a.cheapest().medianRecordedCost()).isEqualByComparingTo("0.1");
    assertThat(a.sizes()).extracting(SizeEstimate::size).containsExactly("cpu=4 mem=16g gpu=t4", "cpu=2 mem=8g gpu=t4",
        "cpu=8 mem=32g gpu=t4");
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertThat(SizingModel.median(List.of(new BigDecimal("1"), new BigDecimal("4"), new BigDecimal("2"),
        new BigDecimal("3")))).isEqualByComparingTo("2.5");
    assertThat(SizingModel.neighbourSteps(3)).containsExactly(2.0, 4.0);
    assertThat(SizingModel.neighbourSteps(64)).containsExactly(32.0);
    assertThat(SizingModel.neighbourSteps(0.25)).containsExactly(0.5);
  }
}
