package dev.cde.gitlab.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.gitlab.ExecutorContract;
import dev.cde.gitlab.JobEnv;
import dev.cde.gitlab.StageFailure;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * The job's cache scope (docs/caching.md), sent with the session it runs on: project {@code <host>/<path>}, the
 * ref it writes to ({@code refs/heads/<branch>}, {@code refs/tags/<tag>}, or {@code refs/merge-requests/<iid>/head}
 * so no merge request reads another's entries) and the default branch it also reads. Taken from
 * JOB_RESPONSE_FILE, GitLab's own payload: CUSTOM_ENV_ variables are the job's to set, and a job that chose its
 * project could read and poison another project's cache.
 */
public final class JobCacheScope {
  private JobCacheScope() {}

  /** The scope as the bridge's {@code cacheScope} field, or null when there is no payload to take it from. */
  public static ObjectNode of(JobEnv env) {
    JsonNode job = payload(env);
    return job == null ? null : of(job);
  }

  /** GitLab's job payload (JOB_RESPONSE_FILE), or null when gitlab-runner gave none. */
  static JsonNode payload(JobEnv env) {
    String file = env.runner(ExecutorContract.JOB_RESPONSE_FILE);
    if (file == null) {
      return null;
    }
    try {
      return new ObjectMapper().readTree(Path.of(file).toFile());
    } catch (IOException e) {
      throw StageFailure.system("cannot read the job payload " + file + ": " + e.getMessage());
    }
  }

  static ObjectNode of(JsonNode job) {
    JsonNode git = job.path("git_info");
    // The project: from the clone URL GitLab made for this job (its path cannot be changed by the job's
    // variables); CI_SERVER_HOST/CI_PROJECT_PATH only when there is none. Never print the URL: it holds the job
    // token.
    String project = projectOf(git.path("repo_url").asText(""));
    if (project == null) {
      String host = variable(job, "CI_SERVER_HOST");
      String path = variable(job, "CI_PROJECT_PATH");
      project = host == null || path == null ? null : host + "/" + path;
    }
    if (project == null) {
      return null;
    }
    String mr = variable(job, "CI_MERGE_REQUEST_IID");
    String tag = "tag".equals(git.path("ref_type").asText()) ? git.path("ref").asText(null)
        : variable(job, "CI_COMMIT_TAG");
    String branch = git.hasNonNull("ref") ? git.path("ref").asText() : variable(job, "CI_COMMIT_REF_NAME");
    String ref;
    if (mr != null && mr.matches("\\d+")) {
      ref = "refs/merge-requests/" + mr + "/head";
    } else if (tag != null && !tag.isBlank()) {
      ref = "refs/tags/" + tag;
    } else if (branch != null && !branch.isBlank()) {
      ref = "refs/heads/" + branch;
    } else {
      return null;
    }
    String defaultBranch = variable(job, "CI_DEFAULT_BRANCH");
    ObjectNode scope = new ObjectMapper().createObjectNode().put("repository", project).put("ref", ref);
    if (defaultBranch != null) {
      scope.put("defaultRef", "refs/heads/" + defaultBranch);
    }
    return scope;
  }

  /** {@code https://gitlab-ci-token:x@gitlab.example.com/group/sub/project.git} → {@code gitlab.example.com/group/sub/project}. */
  static String projectOf(String repoUrl) {
    if (repoUrl.isBlank()) {
      return null;
    }
    try {
      URI u = URI.create(repoUrl);
      String path = u.getPath() == null ? "" : u.getPath().replaceAll("^/+|/+$", "").replaceAll("\\.git$", "");
      return u.getHost() == null || path.isEmpty() ? null : u.getHost() + "/" + path;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The first definition of a variable in the payload. GitLab lists its predefined variables before the
   * project's and the job's own, so the first is GitLab's even when {@code .gitlab-ci.yml} redefines the name.
   */
  static String variable(JsonNode job, String name) {
    for (JsonNode v : job.path("variables")) {
      if (name.equals(v.path("key").asText())) {
        String value = v.path("value").asText("");
        return value.isBlank() ? null : value.strip();
      }
    }
    return null;
  }
}
