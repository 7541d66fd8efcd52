package dev.cde.bridge.costs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * Which size a job should run on, from its history (docs/costs.md, "Size recommendation"), with the evidence.
 * {@code status}: {@code advice} (there are enough runs), {@code not-enough-runs} ({@code runs} of
 * {@code minRuns}), or {@code no-job} (the runs cannot be told apart as one job's: no job name, no session name).
 * {@code cheapest} and {@code fastest} are chosen among the sizes the job ran on; {@code untriedCheaper} and
 * {@code untriedFaster} are sizes it did not run on that the model estimates would beat them, to try.
 *
 * @param summary          one line for a table cell, a CSV column and a job log
 * @param current          the size of the newest run
 * @param sizes            every size with its figures: measured ones first, then the estimated neighbours
 * @param parallelFraction Amdahl's parallel fraction fitted to the measured durations; null without two CPU counts
 * @param model            how durations of sizes without runs were estimated, in words
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SizingAdvice(String status, String summary, String job, int runs, int minRuns, String current,
    SizeEstimate cheapest, SizeEstimate fastest, SizeEstimate untriedCheaper, SizeEstimate untriedFaster,
    List<SizeEstimate> sizes, BigDecimal parallelFraction, String model, Prices prices) {

  public static final String ADVICE = "advice";
  public static final String NOT_ENOUGH_RUNS = "not-enough-runs";
  public static final String NO_JOB = "no-job";

  /**
   * One size: how the job did on it ({@code basis} {@code measured}: {@code runs} runs, medians) or is estimated to
   * ({@code estimated}), or a neighbour nothing can be said of yet ({@code untried}: no figures). {@code cost} is
   * one run at {@code medianBilledSeconds} priced with the table of {@link Prices}; {@code medianRecordedCost} is
   * what the runs were charged, in {@code recordedCurrency}, when they ended.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SizeEstimate(String size, double cpu, long memoryMb, String gpuType, int gpuCount, String basis,
      int runs, BigDecimal medianSeconds, BigDecimal medianBilledSeconds, BigDecimal cost,
      BigDecimal medianRecordedCost, String recordedCurrency) {
    public static final String MEASURED = "measured";
    public static final String ESTIMATED = "estimated";
    public static final String UNTRIED = "untried";
  }

  /** The price table every {@code cost} is computed with. */
  public record Prices(String table, String currency, String source, LocalDate checked) {
  }
}
