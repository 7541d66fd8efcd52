package dev.cde.bridge.cost;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

/** GitHub's per-minute runner prices: what a job would cost on GitHub's own machines, for comparison. */
public record GithubHostedPrices(String currency, Duration granularity, String source, String specs,
    LocalDate published, LocalDate checked, List<GithubRunnerSize> runners) {
  public GithubHostedPrices {
    runners = List.copyOf(runners);
  }
}
