package dev.cde.bridge.costs;

import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Adds up ended sessions' stored costs by a grouping, exactly (BigDecimal, 6 places as stored). Sessions are read
 * one row at a time and only the groups are kept, so a long period costs memory per group, not per session.
 */
@ApplicationScoped
public class CostAggregates {
  /** The currency of every stored amount (the {@code *_usd} columns). */
  public static final String CURRENCY = "USD";
  static final String NONE = "(none)";
  /**
   * The job of a session that ran no GitHub job but has a name: its runs are one job's (docs/costs.md, "Which runs
   * are one job's"), shown as {@code session: NAME}. No GitHub job has it, as GitHub jobs have a workflow.
   */
  static final String SESSION_JOB = "session: ";
  static final int MAX_SIZES = 10;

  private final CostLines lines;
  private final SizingAdvisor advisor;

  public CostAggregates(CostLines lines, SizingAdvisor advisor) {
    this.lines = lines;
    this.advisor = advisor;
  }

  public CostSummary summarize(CostQuery query) {
    Map<List<String>, Sum> groups = new LinkedHashMap<>();
    Sum total = new Sum(List.of());
    lines.forEach(query, line -> {
      List<String> key = key(query.groupBy(), line);
      groups.computeIfAbsent(key, Sum::new).add(line);
      total.add(line);
    });
    if (query.groupBy() == CostGrouping.DAY) {
      // A chart over time needs the quiet days too.
      LocalDate last = query.to().minusNanos(1).atZone(ZoneOffset.UTC).toLocalDate();
      for (LocalDate d = query.from().atZone(ZoneOffset.UTC).toLocalDate(); !d.isAfter(last); d = d.plusDays(1)) {
        groups.computeIfAbsent(List.of(d.toString()), Sum::new);
      }
    }
    Comparator<Sum> order = query.groupBy() == CostGrouping.DAY
        ? Comparator.comparing(s -> s.key.get(0))
        : Comparator.comparing((Sum s) -> s.total).reversed().thenComparing(s -> String.join("\n", s.key));
    List<CostGroup> out = new ArrayList<>();
    groups.values().stream().sorted(order).forEach(s -> out.add(s.group(query.groupBy())));
    if (query.groupBy() == CostGrouping.JOB) {
      // One read of the history for all the jobs, not one per job.
      Map<JobKey, SizingAdvice> advice = advisor.advise(out.stream().map(CostAggregates::jobKey).toList());
      out.replaceAll(g -> g.withRecommendation(advice.get(jobKey(g))));
    }
    CostGroup all = total.group(null);
    return new CostSummary(query.from(), query.to(), query.groupBy().parameter(), query.gpu(), CURRENCY, all, out);
  }

  static List<String> key(CostGrouping groupBy, CostLine l) {
    List<String> key = new ArrayList<>();
    for (String column : groupBy.columns()) {
      key.add(switch (column) {
        case "repository" -> orNone(l.repository());
        case "workflow" -> orNone(l.workflow());
        case "job" -> l.job() == null && l.name() != null && !l.name().isBlank() ? SESSION_JOB + l.name()
            : orNone(l.job());
        case "labels" -> l.labelKey() == null || l.labelKey().isEmpty() ? NONE : String.join(", ", l.labelKey().split("\n"));
        case "day" -> l.endedAt().atZone(ZoneOffset.UTC).toLocalDate().toString();
        case "gpu" -> l.gpuCount() > 0 && l.gpuType() != null ? l.gpuType() : "none";
        default -> throw new IllegalStateException(column);
      });
    }
    return key;
  }

  /** A job group's key as the history knows it: the (none) of a dimension nothing knows is null there. */
  private static JobKey jobKey(CostGroup g) {
    String job = known(g.job());
    if (job != null && job.startsWith(SESSION_JOB) && known(g.workflow()) == null) {
      return new JobKey(known(g.repository()), null, null, job.substring(SESSION_JOB.length()));
    }
    return new JobKey(known(g.repository()), known(g.workflow()), job, null);
  }

  private static String known(String dimension) {
    return NONE.equals(dimension) ? null : dimension;
  }

  private static String orNone(String s) {
    return s == null || s.isBlank() ? NONE : s;
  }

  static String money(BigDecimal v) {
    // The columns hold 6 places, so this only pads; rounding would need a change of the columns.
    return v.setScale(6, RoundingMode.HALF_EVEN).toPlainString();
  }

  /** One group being added up. */
  private static final class Sum {
    final List<String> key;
    long sessions;
    long billedSeconds;
    long gpuSeconds;
    BigDecimal cpu = BigDecimal.ZERO;
    BigDecimal memory = BigDecimal.ZERO;
    BigDecimal gpu = BigDecimal.ZERO;
    BigDecimal total = BigDecimal.ZERO;
    final TreeSet<String> sizes = new TreeSet<>();

    Sum(List<String> key) {
      this.key = key;
    }

    void add(CostLine l) {
      sessions++;
      billedSeconds += l.billedSeconds();
      gpuSeconds += l.billedSeconds() * l.gpuCount();
      cpu = cpu.add(l.cpuUsd());
      memory = memory.add(l.memoryUsd());
      gpu = gpu.add(l.gpuUsd());
      total = total.add(l.totalUsd());
      if (sizes.size() < MAX_SIZES) {
        sizes.add(l.size());
      }
    }

    CostGroup group(CostGrouping groupBy) {
      Map<String, String> dims = new LinkedHashMap<>();
      if (groupBy != null) {
        for (int i = 0; i < key.size(); i++) {
          dims.put(groupBy.columns().get(i), key.get(i));
        }
      }
      String display = groupBy == null ? "total" : String.join(" / ", key);
      return new CostGroup(display, dims.get("repository"), dims.get("workflow"), dims.get("job"), dims.get("labels"),
          dims.get("day"), dims.get("gpu"), sessions, billedSeconds, gpuSeconds, money(cpu), money(memory), money(gpu),
          money(total), List.copyOf(sizes), null);
    }
  }
}
