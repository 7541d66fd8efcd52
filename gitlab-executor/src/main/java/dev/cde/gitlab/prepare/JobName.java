package dev.cde.gitlab.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Which job of its project a GitLab job is, sent with its session as {@code job}: the CI config it comes from
 * (GitLab's {@code CI_CONFIG_PATH}, {@code .gitlab-ci.yml} by default) and the job's name from GitLab's payload.
 * With the project of the cache scope, the runs of one job make its cost history and size advice (docs/costs.md)
 * though each run's session is named after its job id.
 */
public final class JobName {
  static final String DEFAULT_CONFIG = ".gitlab-ci.yml";

  private JobName() {}

  /** The {@code job} field, or null when the payload names no job. */
  static ObjectNode of(JsonNode job) {
    String name = job.path("job_info").path("name").asText("");
    if (name.isBlank()) {
      name = JobCacheScope.variable(job, "CI_JOB_NAME");
    }
    if (name == null || name.isBlank()) {
      return null;
    }
    String config = JobCacheScope.variable(job, "CI_CONFIG_PATH");
    return new ObjectMapper().createObjectNode().put("workflow", config == null ? DEFAULT_CONFIG : config)
        .put("name", name.strip());
  }
}
