package dev.cde.bridge.costs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One group of ended sessions and what they cost. Amounts are exact decimal strings (6 places) in the answer's
 * {@code currency}: a JSON number would reach most clients as a binary double. The dimension fields of the grouping
 * are set ({@code repository} for {@code groupBy=repository}, ...), the others left out; {@code key} joins them for
 * display, and a dimension nothing knows (a session without a repository) is {@code (none)}.
 *
 * @param gpuSeconds   billed seconds times GPUs: what the GPU part of the cost was counted in
 * @param sizes        the instance sizes the group's sessions had ({@code cpu=4 mem=16g gpu=t4}), at most ten
 * @param recommendation the sizing advice for a job ({@link SizingAdvisor}), for {@code groupBy=job} only
 */
public record CostGroup(String key,
    @JsonInclude(JsonInclude.Include.NON_NULL) String repository,
    @JsonInclude(JsonInclude.Include.NON_NULL) String workflow,
    @JsonInclude(JsonInclude.Include.NON_NULL) String job,
    @JsonInclude(JsonInclude.Include.NON_NULL) String labels,
    @JsonInclude(JsonInclude.Include.NON_NULL) String day,
    @JsonInclude(JsonInclude.Include.NON_NULL) String gpu,
    long sessions, long billedSeconds, long gpuSeconds, String cpuUsd, String memoryUsd, String gpuUsd,
    String totalUsd, List<String> sizes, SizingAdvice recommendation) {

  /** The value of one of the grouping's columns ({@link CostGrouping#columns()}). */
  String dimension(String column) {
    return switch (column) {
      case "repository" -> repository;
      case "workflow" -> workflow;
      case "job" -> job;
      case "labels" -> labels;
      case "day" -> day;
      case "gpu" -> gpu;
      default -> throw new IllegalArgumentException(column);
    };
  }

  CostGroup withRecommendation(SizingAdvice advice) {
    return new CostGroup(key, repository, workflow, job, labels, day, gpu, sessions, billedSeconds, gpuSeconds, cpuUsd,
        memoryUsd, gpuUsd, totalUsd, sizes, advice);
  }
}
