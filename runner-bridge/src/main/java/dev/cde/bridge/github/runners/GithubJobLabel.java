package dev.cde.bridge.github.runners;

import dev.cde.bridge.cost.report.JobLabel;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** The cost report's words for a session that ran a GitHub job: "GitHub job 42 · octo/app · build". */
@ApplicationScoped
public class GithubJobLabel implements JobLabel {
  private final GithubJobStore store;

  public GithubJobLabel(GithubJobStore store) {
    this.store = store;
  }

  @Override
  public Optional<String> of(String sessionId) {
    return store.runnerOfSession(sessionId).map(r -> {
      if (r.jobId() == null) {
        return "GitHub runner `" + r.name() + "` · " + r.repository() + " (no job taken)";
      }
      String name = store.job(r.jobId(), r.forRunAttempt()).map(GithubJob::jobName).orElse(null);
      return "GitHub job " + r.jobId() + " · " + r.repository() + (name == null ? "" : " · " + name);
    });
  }
}
