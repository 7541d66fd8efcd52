package dev.cde.bridge.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.problem.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a {@code workflow_job} delivery the bridge uses. Read field by field from the tree, so the many
 * fields we ignore (and the ones GitHub adds later) never fail a delivery. {@code runnerName} is null until
 * a runner took the job; it is how the bridge learns which runner took which job (runner stealing).
 */
public record WorkflowJobEvent(String action, long jobId, long runId, int runAttempt, String jobName,
    List<String> labels, String repository, boolean privateRepo, String runnerName, String workflowName,
    String headBranch, String defaultBranch) {

  public static WorkflowJobEvent from(JsonNode payload) {
    JsonNode job = payload.path("workflow_job");
    if (!job.isObject() || !job.path("id").canConvertToLong()) {
      throw new InvalidRequestException("workflow_job delivery without workflow_job.id");
    }
    // GitHub always sends one; without it there is nothing to act on (found by WebhookFuzzTest: it was a 500).
    if (!payload.path("action").isValueNode() || payload.path("action").isNull()) {
      throw new InvalidRequestException("workflow_job delivery without action");
    }
    List<String> labels = new ArrayList<>();
    job.path("labels").forEach(l -> labels.add(l.asText()));
    return new WorkflowJobEvent(
        payload.path("action").asText(null),
        job.path("id").asLong(),
        job.path("run_id").asLong(),
        // Older payloads (and one of octokit's examples) lack run_attempt; those are first attempts.
        job.path("run_attempt").asInt(1),
        text(job, "name"),
        List.copyOf(labels),
        text(payload.path("repository"), "full_name"),
        payload.path("repository").path("private").asBoolean(false),
        text(job, "runner_name"),
        text(job, "workflow_name"),
        text(job, "head_branch"),
        text(payload.path("repository"), "default_branch"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isNull() || v.isMissingNode() ? null : v.asText();
  }
}
