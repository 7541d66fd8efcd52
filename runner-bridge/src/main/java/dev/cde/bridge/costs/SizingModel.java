package dev.cde.bridge.costs;

import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.CostCalculator;
import dev.cde.bridge.cost.PriceTable;
import dev.cde.bridge.cost.Usage;
import dev.cde.bridge.costs.SizingAdvice.SizeEstimate;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sizing advice's arithmetic (docs/costs.md, "Size recommendation"): per-size medians of a job's runs, a fit of
 * Amdahl's law {@code T(c) = a + b/c} to the median duration on each CPU count, and from it the duration of the
 * neighbouring CPU steps. Every cost is priced with one table, so sizes compare at today's prices. Reads nothing:
 * the runs and the table are given.
 */
public final class SizingModel {
  /** The CPU counts sessions offer, as the labels spell them (cpu=0.25 to cpu=64). */
  static final double[] CPU_STEPS = {0.25, 0.5, 1, 2, 4, 8, 16, 32, 64};
  static final long MIN_MEMORY_MB = 128;
  static final long MAX_MEMORY_MB = 256 * 1024;
  static final String MODEL = "Sizes the job ran on: medians of its runs. Sizes one CPU step smaller or larger"
      + " (memory in the same proportion, GPUs unchanged): Amdahl's law T(c) = a + b/c, fitted by least squares to"
      + " the median duration on each CPU count the job ran with, scaled from the neighbour's own median; time"
      + " billed beyond the job (start-up, cold start) is the runs' median and does not scale. With runs on one"
      + " CPU count only, nothing is estimated.";

  /** One ended run: its size, how long the job took, how long was billed, and what it was charged. */
  public record Run(double cpu, long memoryMb, String gpuType, int gpuCount, BigDecimal seconds,
      BigDecimal billedSeconds, BigDecimal recordedCost, String currency) {
    String size() {
      return CostLine.size(cpu, memoryMb, gpuType, gpuCount);
    }
  }

  private SizingModel() {
  }

  /** The advice for one job's runs, newest first. */
  public static SizingAdvice advise(String job, List<Run> runs, int minRuns, PriceTable table) {
    SizingAdvice.Prices prices = new SizingAdvice.Prices(table.key(), table.currency(), table.source(),
        table.checked());
    if (runs.size() < minRuns) {
      return new SizingAdvice(SizingAdvice.NOT_ENOUGH_RUNS, "not enough runs yet (" + runs.size() + " of " + minRuns
          + ")", job, runs.size(), minRuns, runs.isEmpty() ? null : runs.get(0).size(), null, null, null, null,
          List.of(), null, MODEL, prices);
    }
    Map<String, List<Run>> bySize = new LinkedHashMap<>();
    for (Run r : runs) {
      bySize.computeIfAbsent(r.size(), k -> new ArrayList<>()).add(r);
    }
    BigDecimal overhead = median(runs.stream().map(r -> r.billedSeconds().subtract(r.seconds()).max(BigDecimal.ZERO))
        .toList());
    List<SizeEstimate> measured = new ArrayList<>();
    for (List<Run> rs : bySize.values()) {
      Run r = rs.get(0);
      BigDecimal billed = median(rs.stream().map(Run::billedSeconds).toList());
      String currency = rs.stream().map(Run::currency).filter(Objects::nonNull).findFirst().orElse(null);
      measured.add(new SizeEstimate(r.size(), r.cpu(), r.memoryMb(), r.gpuType(), r.gpuCount(), SizeEstimate.MEASURED,
          rs.size(), median(rs.stream().map(Run::seconds).toList()), billed, price(table, r, billed),
          median(rs.stream().map(Run::recordedCost).toList()), currency));
    }

    double[] fit = fit(measured);
    List<SizeEstimate> neighbours = new ArrayList<>();
    for (SizeEstimate m : measured) {
      for (double c : neighbourSteps(m.cpu())) {
        long mem = Math.max(MIN_MEMORY_MB, Math.min(MAX_MEMORY_MB, Math.round(m.memoryMb() * c / m.cpu())));
        String size = CostLine.size(c, mem, m.gpuType(), m.gpuCount());
        if (bySize.containsKey(size) || neighbours.stream().anyMatch(n -> n.size().equals(size))) {
          continue;
        }
        if (fit == null) {
          neighbours.add(new SizeEstimate(size, c, mem, m.gpuType(), m.gpuCount(), SizeEstimate.UNTRIED, 0, null, null,
              null, null, null));
          continue;
        }
        double scale = amdahl(fit, c) / amdahl(fit, m.cpu());
        BigDecimal seconds = m.medianSeconds().multiply(BigDecimal.valueOf(scale)).setScale(CostBreakdown.SECONDS_SCALE,
            RoundingMode.HALF_UP);
        BigDecimal billed = seconds(table.billing().billed(duration(seconds.add(overhead))));
        neighbours.add(new SizeEstimate(size, c, mem, m.gpuType(), m.gpuCount(), SizeEstimate.ESTIMATED, 0, seconds,
            billed, price(table, new Run(c, mem, m.gpuType(), m.gpuCount(), seconds, billed, null, null), billed), null,
            null));
      }
    }

    Comparator<SizeEstimate> byCost = Comparator.comparing(SizeEstimate::cost).thenComparing(SizeEstimate::medianSeconds);
    Comparator<SizeEstimate> bySpeed = Comparator.comparing(SizeEstimate::medianSeconds).thenComparing(SizeEstimate::cost);
    SizeEstimate cheapest = measured.stream().min(byCost).orElseThrow();
    SizeEstimate fastest = measured.stream().min(bySpeed).orElseThrow();
    List<SizeEstimate> estimated = neighbours.stream().filter(n -> n.basis().equals(SizeEstimate.ESTIMATED)).toList();
    SizeEstimate cheaper = estimated.stream().min(byCost).filter(n -> n.cost().compareTo(cheapest.cost()) < 0)
        .orElse(null);
    SizeEstimate faster = estimated.stream().min(bySpeed)
        .filter(n -> n.medianSeconds().compareTo(fastest.medianSeconds()) < 0).orElse(null);

    String current = runs.get(0).size();
    List<SizeEstimate> sizes = new ArrayList<>(measured);
    sizes.addAll(neighbours);
    String summary = summary(current, measured, cheapest, fastest, cheaper, faster, fit == null ? neighbours : List.of(),
        table.currency());
    return new SizingAdvice(SizingAdvice.ADVICE, summary, job, runs.size(), minRuns, current, cheapest, fastest, cheaper,
        faster, sizes, fit == null ? null : parallelFraction(fit), MODEL, prices);
  }

  private static String summary(String current, List<SizeEstimate> measured, SizeEstimate cheapest,
      SizeEstimate fastest, SizeEstimate cheaper, SizeEstimate faster, List<SizeEstimate> untried, String currency) {
    StringBuilder sb = new StringBuilder();
    SizeEstimate now = measured.stream().filter(m -> m.size().equals(current)).findFirst().orElseThrow();
    if (cheapest.size().equals(current)) {
      sb.append("cheapest: ").append(current).append(" (the current size, ").append(money(cheapest.cost(), currency))
          .append(" a run)");
    } else {
      sb.append("cheapest: ").append(cheapest.size()).append(" at ").append(money(cheapest.cost(), currency))
          .append(" a run, ").append(cheapest.medianSeconds().stripTrailingZeros().toPlainString()).append(" s (")
          .append(cheapest.runs()).append(cheapest.runs() == 1 ? " run" : " runs").append("), instead of ")
          .append(money(now.cost(), currency)).append(" on ").append(current);
    }
    sb.append("; fastest: ").append(fastest.size()).append(", ")
        .append(fastest.medianSeconds().stripTrailingZeros().toPlainString()).append(" s median");
    if (cheaper != null) {
      sb.append("; untried ").append(cheaper.size()).append(" is estimated at ").append(money(cheaper.cost(), currency))
          .append(" a run");
    }
    if (faster != null && faster != cheaper) {
      sb.append("; untried ").append(faster.size()).append(" is estimated at ")
          .append(faster.medianSeconds().stripTrailingZeros().toPlainString()).append(" s");
    }
    if (!untried.isEmpty()) {
      untried.stream().filter(u -> u.cpu() < now.cpu()).findFirst().ifPresent(u -> sb.append("; only one CPU count"
          + " measured: run a few jobs on ").append(u.size()).append(" to compare"));
    }
    return sb.toString();
  }

  /** {@code [a, b]} of {@code T(c) = a + b/c}, both at least 0; null without two CPU counts to fit to. */
  static double[] fit(List<SizeEstimate> measured) {
    Map<Double, List<BigDecimal>> byCpu = new LinkedHashMap<>();
    for (SizeEstimate m : measured) {
      for (int i = 0; i < m.runs(); i++) {
        byCpu.computeIfAbsent(m.cpu(), k -> new ArrayList<>()).add(m.medianSeconds());
      }
    }
    if (byCpu.size() < 2) {
      return null;
    }
    // One point per CPU count (the median over its sizes' medians, weighted by runs), so a size run often does not
    // outweigh the others; least squares of T against x = 1/c.
    int n = byCpu.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (Map.Entry<Double, List<BigDecimal>> e : byCpu.entrySet()) {
      double x = 1 / e.getKey();
      double y = median(e.getValue()).doubleValue();
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double d = n * sxx - sx * sx;
    double b = d == 0 ? 0 : (n * sxy - sx * sy) / d;
    double a = (sy - b * sx) / n;
    if (b < 0) {
      // More CPUs were not faster: no parallel part to speak of.
      b = 0;
      a = sy / n;
    } else if (a < 0) {
      // Faster than linear (caches warming, noise): all parallel, through the origin.
      a = 0;
      b = sxy / sxx;
    }
    return new double[] {a, b};
  }

  static double amdahl(double[] fit, double cpu) {
    return fit[0] + fit[1] / cpu;
  }

  /** The share of a one-CPU run that parallelizes: {@code b / (a + b)}. */
  static BigDecimal parallelFraction(double[] fit) {
    double total = fit[0] + fit[1];
    return BigDecimal.valueOf(total == 0 ? 0 : fit[1] / total).setScale(3, RoundingMode.HALF_UP);
  }

  /** The steps just below and above {@code cpu} (itself excluded), within what sessions offer. */
  static List<Double> neighbourSteps(double cpu) {
    List<Double> out = new ArrayList<>();
    Double below = null;
    Double above = null;
    for (double s : CPU_STEPS) {
      if (s < cpu) {
        below = s;
      } else if (s > cpu && above == null) {
        above = s;
      }
    }
    if (below != null) {
      out.add(below);
    }
    if (above != null) {
      out.add(above);
    }
    return out;
  }

  /** One run of {@code billed} seconds (one request) at today's prices, rounded as recorded costs are. */
  static BigDecimal price(PriceTable table, Run size, BigDecimal billed) {
    CostBreakdown c = CostCalculator.cost(table, new Usage(BigDecimal.valueOf(size.cpu()), size.memoryMb(),
        size.gpuType(), size.gpuCount(), duration(billed), 1));
    return c.rounded().total();
  }

  /** The middle value, or the mean of the two middle ones. */
  static BigDecimal median(List<BigDecimal> values) {
    List<BigDecimal> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    if (n == 0) {
      return BigDecimal.ZERO;
    }
    return n % 2 == 1 ? sorted.get(n / 2)
        : sorted.get(n / 2 - 1).add(sorted.get(n / 2)).divide(BigDecimal.valueOf(2));
  }

  private static Duration duration(BigDecimal seconds) {
    return Duration.ofNanos(seconds.movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact());
  }

  private static BigDecimal seconds(Duration d) {
    return CostCalculator.seconds(d).setScale(CostBreakdown.SECONDS_SCALE, RoundingMode.HALF_UP);
  }

  static String money(BigDecimal v, String currency) {
    String n = v.setScale(CostBreakdown.AMOUNT_SCALE, RoundingMode.HALF_UP).toPlainString();
    return "USD".equals(currency) ? "$" + n : n + " " + currency;
  }
}
