package dev.cde.bridge.costs;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What {@code GET /api/v1/costs} groups ended sessions by ({@code groupBy}), and the columns each grouping has. */
public enum CostGrouping {
  /** {@code owner/name} on GitHub, the project path on GitLab (its cache scope). */
  REPOSITORY(List.of("repository")),
  /** A repository's workflow: workflow names repeat across repositories ("CI"), so both are the key. */
  WORKFLOW(List.of("repository", "workflow")),
  /** One job of one workflow: where a job that should move to a smaller size shows up. */
  JOB(List.of("repository", "workflow", "job")),
  /** The job's label set (GitHub's {@code runs-on}), as compared: lower case, sorted. */
  LABELS(List.of("labels")),
  /** The UTC day the session ended. */
  DAY(List.of("day")),
  /** The GPU type; sessions without one are {@code none}. */
  GPU(List.of("gpu"));

  private final List<String> columns;

  CostGrouping(List<String> columns) {
    this.columns = columns;
  }

  /** The dimensions that make a group's key, in order. */
  public List<String> columns() {
    return columns;
  }

  public String parameter() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the values allowed */
  public static CostGrouping parse(String text) {
    for (CostGrouping g : values()) {
      if (g.parameter().equalsIgnoreCase(text.strip())) {
        return g;
      }
    }
    throw new IllegalArgumentException("groupBy '" + text + "' is not one of "
        + Arrays.stream(values()).map(CostGrouping::parameter).toList());
  }
}
