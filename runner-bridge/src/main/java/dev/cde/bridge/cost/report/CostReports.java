package dev.cde.bridge.cost.report;

import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.CostCalculator;
import dev.cde.bridge.cost.GithubHostedCost;
import dev.cde.bridge.cost.GithubHostedPrices;
import dev.cde.bridge.cost.PriceTable;
import dev.cde.bridge.cost.Prices;
import dev.cde.bridge.cost.Usage;
import dev.cde.bridge.costs.CostLines;
import dev.cde.bridge.costs.JobKey;
import dev.cde.bridge.costs.SizingAdvisor;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionCosts;
import dev.cde.bridge.session.SessionMeter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds a session's cost report from what the bridge recorded: the session row (size, launch, release, final
 * cost), its meter (ready, job start and end, what the agent found), the active price table, the cache's counters,
 * what a CI feature knows of the job and the size advice from the job's history. A running session is reported up
 * to now.
 */
@ApplicationScoped
public class CostReports {
  private final SessionBroker broker;
  private final Prices prices;
  private final ArchiveIndex archives;
  private final Instance<JobLabel> labels;
  private final CostLines costLines;
  private final SizingAdvisor advisor;
  private final Clock clock = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));

  public CostReports(SessionBroker broker, Prices prices, ArchiveIndex archives, Instance<JobLabel> labels,
      CostLines costLines, SizingAdvisor advisor) {
    this.broker = broker;
    this.costLines = costLines;
    this.advisor = advisor;
    this.prices = prices;
    this.archives = archives;
    this.labels = labels;
  }

  public String markdown(String sessionId) {
    return CostReportMarkdown.render(report(sessionId));
  }

  public CostReport report(String sessionId) {
    Session s = broker.get(sessionId);
    SessionCosts costs = broker.costs();
    PriceTable t = costs.table();
    SessionMeter m = costs.meters().find(s.id());
    Instant now = clock.instant();
    Instant end = s.endedAt() != null ? s.endedAt() : now;
    SessionCosts.Billing b = costs.billing(s, m, now);
    BigDecimal cpu = BigDecimal.valueOf(s.cpu());
    CostBreakdown exact = CostCalculator.cost(t, new Usage(cpu, s.memoryMb(), s.gpuType(), s.gpuCount(), b.billed(),
        b.requests()));
    CostBreakdown cost = exact.rounded();
    BigDecimal billedSeconds = cost.billedSeconds();

    List<CostReport.Line> lines = new ArrayList<>();
    lines.add(new CostReport.Line("vcpu", cpu, "vCPU-second", billedSeconds, t.vcpuSecond(),
        CostBreakdown.amount(exact.cpu())));
    lines.add(new CostReport.Line("memory", CostCalculator.gib(s.memoryMb()), "GiB-second", billedSeconds,
        t.gibSecond(), CostBreakdown.amount(exact.memory())));
    if (s.gpuCount() > 0) {
      lines.add(new CostReport.Line("gpu " + s.gpuType(), BigDecimal.valueOf(s.gpuCount()), "GPU-second", billedSeconds,
          t.gpuSecond(s.gpuType()).orElse(null), CostBreakdown.amount(exact.gpu())));
    }
    lines.add(new CostReport.Line("requests", BigDecimal.valueOf(b.requests()), "request", null, t.request(),
        CostBreakdown.amount(exact.requests())));

    List<String> notes = new ArrayList<>();
    for (String u : cost.unpriced()) {
      notes.add("not priced: " + u + "; the total leaves it out");
    }
    if (s.cost() != null && s.cost().total().compareTo(cost.total()) != 0) {
      notes.add("recorded when the session ended: " + s.cost().total().toPlainString() + " " + s.cost().currency()
          + " with table " + s.cost().priceTable() + "; this report uses the prices now in force");
    }
    if (b.basis().startsWith("launch (")) {
      notes.add("the agent's answer was not recorded, so billing counts from launch");
    }

    Instant launch = s.startedAt();
    Instant ready = m.readyAt();
    Instant jobStart = m.jobStartedAt();
    Instant jobEnd = m.jobEndedAt();
    Instant release = s.endedAt();
    CostReport.Timeline timeline = new CostReport.Timeline(launch, ready, jobStart, jobEnd, release,
        span(launch, ready), span(ready, jobStart), span(jobStart, jobEnd != null ? jobEnd : jobStart == null ? null : end),
        span(jobEnd, release), span(launch, end));

    CostReport.ColdStart coldStart = null;
    if (launch != null && ready != null) {
      Duration d = Duration.between(launch, ready);
      BigDecimal share = t.billing().coldStartBilled()
          ? CostBreakdown.amount(CostCalculator.cost(t, new Usage(cpu, s.memoryMb(), s.gpuType(), s.gpuCount(), d, 0))
              .total())
          : CostBreakdown.amount(BigDecimal.ZERO);
      coldStart = new CostReport.ColdStart(seconds(d), t.billing().coldStartBilled(), share);
    }

    CostReport.Cache cache = archives.stats(s.id()).map(c -> new CostReport.Cache(c.hits(), c.partialHits(),
        c.misses(), c.bytesRestored(), c.bytesSaved())).orElse(null);

    String job = null;
    for (JobLabel l : labels) {
      Optional<String> found = l.of(s.id());
      if (found.isPresent()) {
        job = found.get();
        break;
      }
    }

    return new CostReport(s.id(), s.name(), job, s.state().name(), s.state().terminal(), s.endReason(), now,
        new CostReport.Table(t.key(), t.title(), t.currency(), seconds(t.billing().granularity()),
            seconds(t.billing().minimum()), t.billing().coldStartBilled(), t.source(), t.published(), t.checked(),
            t.notes()),
        new CostReport.Size(s.cpu(), s.memoryMb(), s.gpuType(), s.gpuCount()),
        m.granted() == null ? null : new CostReport.Size(m.granted().cpu(), m.granted().memoryMb(),
            m.granted().gpuType(), m.granted().gpuCount()),
        timeline,
        new CostReport.Billed(b.basis(), b.from(), b.to(), seconds(b.ran()), billedSeconds),
        cost, lines, coldStart, cache, githubHosted(s, launch, ready, jobStart, jobEnd, end), notes,
        costLines.line(s.id()).map(JobKey::of).map(advisor::advise).orElse(null));
  }

  /** The job's own span when its start is known (GitHub bills from the job's start), else the session's. */
  private CostReport.GithubHosted githubHosted(Session s, Instant launch, Instant ready, Instant jobStart,
      Instant jobEnd, Instant end) {
    GithubHostedPrices gh = prices.book().githubHosted();
    String basis;
    Duration d;
    if (jobStart != null) {
      basis = jobEnd != null ? "job" : "job (so far)";
      d = Duration.between(jobStart, jobEnd != null ? jobEnd : end);
    } else if (ready != null || launch != null) {
      basis = "session";
      d = Duration.between(ready != null ? ready : launch, end);
    } else {
      return new CostReport.GithubHosted("none", null, null, "the session never started", gh.source(), gh.published());
    }
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    Optional<GithubHostedCost> nearest = GithubHostedCost.nearest(gh, BigDecimal.valueOf(s.cpu()), s.memoryMb(),
        s.gpuType(), s.gpuCount(), d);
    return new CostReport.GithubHosted(basis, seconds(d), nearest.orElse(null), nearest.isPresent() ? null
        : "no GitHub-hosted Linux runner has " + BigDecimal.valueOf(s.cpu()).stripTrailingZeros().toPlainString()
            + " vCPU, " + s.memoryMb() + " MiB" + (s.gpuCount() > 0 ? " and " + s.gpuCount() + " GPU" : "")
            + (s.gpuCount() > 1 ? "s" : "") + " for a job this long", gh.source(), gh.published());
  }

  private static BigDecimal span(Instant from, Instant to) {
    return from == null || to == null ? null : seconds(Duration.between(from, to));
  }

  static BigDecimal seconds(Duration d) {
    return CostCalculator.seconds(d).setScale(CostBreakdown.SECONDS_SCALE, RoundingMode.HALF_UP);
  }
}
