package dev.cde.gitlab.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.gitlab.JobEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache scope prepare sends comes from GitLab's job payload, in the shape gitlab-runner writes it. */
class JobCacheScopeTest {
  @TempDir
  Path tmp;

  private static final String PUSH = """
      {"id": 4711, "token": "glcbt-secret",
       "git_info": {"repo_url": "https://gitlab-ci-token:glcbt-secret@gitlab.example.com/group/sub/app.git",
                    "ref": "feature/x", "ref_type": "branch", "sha": "0123"},
       "variables": [
         {"key": "CI_SERVER_HOST", "value": "gitlab.example.com", "public": true},
         {"key": "CI_PROJECT_PATH", "value": "group/sub/app", "public": true},
         {"key": "CI_COMMIT_REF_NAME", "value": "feature/x", "public": true},
         {"key": "CI_DEFAULT_BRANCH", "value": "main", "public": true},
         %s
         {"key": "CI_PROJECT_PATH", "value": "other/victim", "public": true}
       ]}""";

  @Test
  void aBranchJobWritesItsBranchAndReadsTheDefaultOneFromThePayloadNotFromJobVariables() throws Exception {
    Path response = Files.writeString(tmp.resolve("response.json"), PUSH.formatted(""));
    // A job can set CUSTOM_ENV_ variables, and redefine CI_ names in .gitlab-ci.yml (they come after GitLab's).
    JobEnv env = new JobEnv(Map.of("JOB_RESPONSE_FILE", response.toString(),
        "CUSTOM_ENV_CI_PROJECT_PATH", "other/victim", "CUSTOM_ENV_CI_COMMIT_REF_NAME", "main"));
    assertThat(JobCacheScope.of(env).toString()).isEqualTo("{\"repository\":\"gitlab.example.com/group/sub/app\","
        + "\"ref\":\"refs/heads/feature/x\",\"defaultRef\":\"refs/heads/main\"}");
    assertThat(JobCacheScope.of(env).toString()).doesNotContain("secret");
  }

  @Test
  void mergeRequestsAndTagsHaveRefsOfTheirOwn() throws Exception {
    JsonNode mr = new ObjectMapper().readTree(PUSH.formatted(
        "{\"key\": \"CI_MERGE_REQUEST_IID\", \"value\": \"7\", \"public\": true},"));
    assertThat(JobCacheScope.of(mr).path("ref").asText()).isEqualTo("refs/merge-requests/7/head");
    JsonNode tag = new ObjectMapper().readTree(PUSH.formatted("").replace("\"ref\": \"feature/x\", \"ref_type\":"
        + " \"branch\"", "\"ref\": \"v1.2\", \"ref_type\": \"tag\""));
    assertThat(JobCacheScope.of(tag).path("ref").asText()).isEqualTo("refs/tags/v1.2");
  }

  @Test
  void withoutAPayloadThereIsNoScopeAndTheSessionGetsNone() {
    assertThat(JobCacheScope.of(new JobEnv(Map.of("CUSTOM_ENV_CI_PROJECT_PATH", "group/app")))).isNull();
    assertThat(JobCacheScope.projectOf("not a url")).isNull();
  }
}
