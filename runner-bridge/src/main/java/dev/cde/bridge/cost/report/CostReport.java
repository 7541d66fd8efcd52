package dev.cde.bridge.cost.report;

import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.GithubHostedCost;
import dev.cde.bridge.costs.SizingAdvice;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * One session's cost report ({@code GET /api/v1/sessions/{id}/report}; docs/costs.md describes every field).
 * Amounts are in {@code cost.currency()}, rounded to 6 places; times are seconds to the millisecond. Null parts
 * are not known (yet): a session still running has no release, a job that never told its start has no job time.
 * {@code recommendation} is the size advice from the history of the session's job (docs/costs.md).
 * {@code endReason} says why the session ended (e.g. "cost cap reached: spent ... of cap ..."); null while it runs.
 */
public record CostReport(String sessionId, String name, String job, String state, boolean finished, String endReason,
    Instant at,
    Table table, Size requested, Size granted, Timeline timeline, Billed billed, CostBreakdown cost, List<Line> lines,
    ColdStart coldStart, Cache cache, GithubHosted githubHosted, List<String> notes, SizingAdvice recommendation) {

  /** The price table the session is billed with, and where its figures come from. */
  public record Table(String key, String title, String currency, BigDecimal granularitySeconds,
      BigDecimal minimumSeconds, boolean coldStartBilled, String source, LocalDate published, LocalDate checked,
      String notes) {
  }

  /** vCPUs, memory and GPUs: asked for (and billed), or what the agent found in the instance. */
  public record Size(Double cpu, Long memoryMb, String gpuType, Integer gpuCount) {
  }

  /** The session's timestamps and the spans between them; spans are null when an end is not known. */
  public record Timeline(Instant launchedAt, Instant readyAt, Instant jobStartedAt, Instant jobEndedAt,
      Instant releasedAt, BigDecimal coldStartSeconds, BigDecimal waitSeconds, BigDecimal jobSeconds,
      BigDecimal teardownSeconds, BigDecimal totalSeconds) {
  }

  /** The billed span: from launch or from ready ({@code basis}), and its length as run and as billed. */
  public record Billed(String basis, Instant from, Instant to, BigDecimal ranSeconds, BigDecimal billedSeconds) {
  }

  /** One resource's charge: {@code quantity} {@code unit}s for {@code seconds} at {@code unitPrice}. */
  public record Line(String resource, BigDecimal quantity, String unit, BigDecimal seconds, BigDecimal unitPrice,
      BigDecimal amount) {
  }

  /** Launch to ready: how long, whether this provider bills it, and its share of the cost. */
  public record ColdStart(BigDecimal seconds, boolean billed, BigDecimal cost) {
  }

  /** The keyed archive cache for this session: hits, partial hits, misses; bytes restored (not downloaded again) and saved. */
  public record Cache(int hits, int partialHits, int misses, long bytesRestored, long bytesSaved) {
  }

  /**
   * The same job on the nearest GitHub-hosted runner ({@code nearest} null when none is that large, {@code reason}
   * says why), over {@code seconds} of {@code basis} ("job": job start to end; "session": the session's span).
   */
  public record GithubHosted(String basis, BigDecimal seconds, GithubHostedCost nearest, String reason, String source,
      LocalDate published) {
  }
}
