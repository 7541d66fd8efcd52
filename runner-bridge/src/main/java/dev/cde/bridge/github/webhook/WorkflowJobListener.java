package dev.cde.bridge.github.webhook;

import dev.cde.bridge.github.labels.JobSpec;

/**
 * Receives each accepted, de-duplicated {@code workflow_job} delivery whose labels ask for cde, on a worker
 * thread after GitHub has had its answer — so it may block (provision, call GitHub). Exactly one of
 * {@code spec} and {@code labelError} is non-null: invalid labels still arrive, so the job can be failed
 * loudly instead of staying queued forever.
 */
public interface WorkflowJobListener {
  void onJob(WorkflowJobEvent event, JobSpec spec, String labelError);
}
