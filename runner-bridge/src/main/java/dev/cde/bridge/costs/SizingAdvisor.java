package dev.cde.bridge.costs;

import dev.cde.bridge.cost.CostCalculator;
import dev.cde.bridge.cost.Prices;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Advises each job on its size from its own history ({@link SizingModel}): the runs of the last
 * {@code cde.sizing.history} with the same {@link JobKey}, newest {@code cde.sizing.max-runs} of them, priced with
 * the table sessions are billed with now. Reads stored sessions only.
 */
@ApplicationScoped
public class SizingAdvisor {
  private final CostLines lines;
  private final Prices prices;
  private final SizingConfig config;
  private final Clock clock = Clock.systemUTC();

  public SizingAdvisor(CostLines lines, Prices prices, SizingConfig config) {
    this.lines = lines;
    this.prices = prices;
    this.config = config;
  }

  /** The advice for each key, from one read of the history (of the one repository when all keys share it). */
  public Map<JobKey, SizingAdvice> advise(Collection<JobKey> keys) {
    Set<JobKey> wanted = new LinkedHashSet<>();
    Map<JobKey, SizingAdvice> out = new LinkedHashMap<>();
    for (JobKey k : keys) {
      if (k.identifiesJob()) {
        wanted.add(k);
      } else {
        out.put(k, new SizingAdvice(SizingAdvice.NO_JOB, "no advice: one job's runs are told apart by their"
            + " repository and GitHub job name (or session name), and these have none", k.display(), 0, config.minRuns(), null, null, null, null, null,
            List.of(), null, SizingModel.MODEL, null));
      }
    }
    Map<JobKey, List<SizingModel.Run>> runs = new HashMap<>();
    if (!wanted.isEmpty()) {
      Set<String> repos = new LinkedHashSet<>();
      wanted.forEach(k -> repos.add(k.repository()));
      Instant now = clock.instant();
      lines.history(now.minus(config.history()), now, repos.size() == 1 ? repos.iterator().next() : null, line -> {
        JobKey k = JobKey.of(line);
        if (!wanted.contains(k) || line.startedAt() == null) {
          return;
        }
        List<SizingModel.Run> rs = runs.computeIfAbsent(k, x -> new ArrayList<>());
        if (rs.size() < config.maxRuns()) {
          rs.add(run(line));
        }
      });
    }
    for (JobKey k : wanted) {
      out.put(k, SizingModel.advise(k.display(), runs.getOrDefault(k, List.of()), config.minRuns(), prices.active()));
    }
    return out;
  }

  public SizingAdvice advise(JobKey key) {
    return advise(List.of(key)).get(key);
  }

  /** The job's own span when its client told both ends, else the session's (launch to release). */
  private static SizingModel.Run run(CostLine l) {
    boolean job = l.jobStartedAt() != null && l.jobEndedAt() != null && !l.jobEndedAt().isBefore(l.jobStartedAt());
    BigDecimal seconds = seconds(job ? Duration.between(l.jobStartedAt(), l.jobEndedAt())
        : Duration.between(l.startedAt(), l.endedAt()));
    BigDecimal billed = l.billedMillis() != null ? BigDecimal.valueOf(l.billedMillis()).movePointLeft(3)
        : BigDecimal.valueOf(l.billedSeconds()).setScale(3);
    return new SizingModel.Run(l.cpu(), l.memoryMb(), l.gpuType(), l.gpuCount(), seconds, billed, l.totalUsd(),
        l.currency());
  }

  private static BigDecimal seconds(Duration d) {
    return CostCalculator.seconds(d.isNegative() ? Duration.ZERO : d).setScale(3, RoundingMode.HALF_UP);
  }
}
