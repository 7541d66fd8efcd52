package dev.cde.gitlab.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.gitlab.JobEnv;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigStageTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void printsTheFieldsGitlabRunnerReadsUnderItsNames() throws Exception {
    JsonNode c = JSON.readTree(ConfigStage.json(new JobEnv(Map.of("CUSTOM_ENV_CI_JOB_ID", "4711",
        "CUSTOM_ENV_CI_SERVER_HOST", "gitlab.example.com"))));
    assertThat(c.path("builds_dir").asText()).isEqualTo("/builds");
    assertThat(c.path("cache_dir").asText()).isEqualTo("/cache");
    assertThat(c.path("builds_dir_is_shared").isBoolean()).isTrue();
    assertThat(c.path("builds_dir_is_shared").asBoolean()).isFalse();
    assertThat(c.path("hostname").asText()).isEqualTo("gitlab-gitlab.example.com-4711");
    assertThat(c.path("driver").path("name").asText()).isEqualTo("cde");
    assertThat(c.path("driver").path("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(c.path("job_env").isObject()).isTrue();
    assertThat(c.path("shell").asText()).isEqualTo("bash");
    assertThat(c.size()).isEqualTo(7);
  }

  @Test
  void theRunnersEnvironmentMovesBuildsAndCacheButAJobVariableCannot() throws Exception {
    JsonNode c = JSON.readTree(ConfigStage.json(new JobEnv(Map.of("CDE_BUILDS_DIR", "/workspace/builds",
        "CDE_CACHE_DIR", "/nas/cache", "CUSTOM_ENV_CDE_BUILDS_DIR", "/etc"))));
    assertThat(c.path("builds_dir").asText()).isEqualTo("/workspace/builds");
    assertThat(c.path("cache_dir").asText()).isEqualTo("/nas/cache");
    assertThat(c.path("hostname").asText()).isEqualTo("cde");
  }
}
