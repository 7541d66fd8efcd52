package dev.cde.bridge.github.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads jobs from GitHub for the reconciler, which repairs what lost webhooks missed. */
@Singleton
public class JobLookup {
  private final GithubClient client;
  private final GithubCredentials credentials;

  @Inject
  public JobLookup(GithubClient client, GithubCredentials credentials) {
    this.client = client;
    this.credentials = credentials;
  }

  /**
   * Jobs of {@code owner/repo} waiting for a runner (status {@code queued}). Runs in progress are read too: a
   * job that {@code needs:} another is queued inside a run that is already in progress. Reads the first 100 runs
   * of each status and 100 jobs per run.
   */
  public List<WorkflowJob> queuedJobs(String owner, String repo) {
    String base = "/repos/" + GithubClient.segment(owner) + "/" + GithubClient.segment(repo) + "/actions";
    String token = credentials.token(owner, repo);
    Set<Long> runs = new LinkedHashSet<>();
    for (String status : List.of("queued", "in_progress")) {
      for (JsonNode run : client.get(base + "/runs?status=" + status + "&per_page=100", token).path("workflow_runs")) {
        runs.add(run.path("id").asLong());
      }
    }
    List<WorkflowJob> queued = new ArrayList<>();
    for (long runId : runs) {
      for (JsonNode job : client.get(base + "/runs/" + runId + "/jobs?per_page=100", token).path("jobs")) {
        WorkflowJob j = job(job);
        if ("queued".equals(j.status())) {
          queued.add(j);
        }
      }
    }
    return queued;
  }

  /** One job, e.g. to learn whether a session's job completed while its webhook was lost. */
  public WorkflowJob job(String owner, String repo, long jobId) {
    return job(client.get("/repos/" + GithubClient.segment(owner) + "/" + GithubClient.segment(repo)
        + "/actions/jobs/" + jobId, credentials.token(owner, repo)));
  }

  /** The jobs of one attempt of a run, e.g. to learn which job a runner took when its webhook was lost. */
  public List<WorkflowJob> jobsOfRun(String owner, String repo, long runId, int runAttempt) {
    JsonNode answer = client.get("/repos/" + GithubClient.segment(owner) + "/" + GithubClient.segment(repo)
        + "/actions/runs/" + runId + "/attempts/" + runAttempt + "/jobs?per_page=100", credentials.token(owner, repo));
    List<WorkflowJob> jobs = new ArrayList<>();
    answer.path("jobs").forEach(j -> jobs.add(job(j)));
    return jobs;
  }

  /** Whether the repository is private (or internal): public ones are refused unless allowed. */
  public boolean isPrivate(String owner, String repo) {
    JsonNode r = client.get("/repos/" + GithubClient.segment(owner) + "/" + GithubClient.segment(repo),
        credentials.token(owner, repo));
    return r.path("private").asBoolean(false) || "internal".equals(r.path("visibility").asText());
  }

  private static WorkflowJob job(JsonNode j) {
    List<String> labels = new ArrayList<>();
    j.path("labels").forEach(l -> labels.add(l.asText()));
    return new WorkflowJob(j.path("id").asLong(), j.path("run_id").asLong(), j.path("run_attempt").asInt(1),
        j.path("name").asText(null), List.copyOf(labels), j.path("status").asText(),
        j.path("conclusion").isNull() ? null : j.path("conclusion").asText(null),
        j.path("runner_name").isNull() ? null : j.path("runner_name").asText(null));
  }
}
