package dev.cde.bridge.costs;

/**
 * Which runs make one job's history: a GitHub job by repository, workflow and job name (as {@code groupBy=job}
 * groups them); failing a job name, the repository of the session's cache scope and the session's name, for
 * clients that name their sessions the same on every run. Null parts are not known.
 */
public record JobKey(String repository, String workflow, String job, String name) {

  /** The key a session's line belongs to; GitLab's per-job session names make histories of one run. */
  public static JobKey of(CostLine line) {
    if (line.job() != null) {
      return new JobKey(line.repository(), line.workflow(), line.job(), null);
    }
    return new JobKey(line.repository(), null, null, line.name());
  }

  /** Whether runs with this key are one job's: a repository and a job name, or a session name. */
  public boolean identifiesJob() {
    return repository != null && (job != null || name != null);
  }

  /** For headings: {@code octo/app · CI · build}. */
  public String display() {
    StringBuilder sb = new StringBuilder(repository == null ? "(no repository)" : repository);
    if (job != null) {
      sb.append(" · ").append(workflow == null ? "(no workflow)" : workflow).append(" · ").append(job);
    } else if (name != null) {
      sb.append(" · session ").append(name);
    }
    return sb.toString();
  }
}
