package dev.cde.gitlab.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.gitlab.JobEnv;
import dev.cde.gitlab.StageFailure;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSizingTest {
  static ObjectNode spec(String... kv) {
    Map<String, String> env = new HashMap<>(Map.of("CUSTOM_ENV_CI_JOB_ID", "42"));
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return JobSizing.spec(new JobEnv(env));
  }

  @Test
  void jobVariablesSizeTheSessionAndNameIt() {
    ObjectNode s = spec("CUSTOM_ENV_CDE_CPU", "2", "CUSTOM_ENV_CDE_MEMORY", "4GiB", "CUSTOM_ENV_CDE_GPU", "T4:2",
        "CUSTOM_ENV_CDE_TEMPLATE", "cuda", "CUSTOM_ENV_CI_JOB_TIMEOUT", "3600", "CUSTOM_ENV_CI_SERVER_HOST", "gl.example");
    assertThat(s.toString()).isEqualTo("{\"template\":\"cuda\",\"cpu\":2,\"memory\":\"4g\",\"gpu\":\"t4:2\","
        + "\"maxDuration\":\"4200s\",\"name\":\"gitlab-gl.example-42\"}");
  }

  @Test
  void theRunnersEnvironmentGivesDefaultsThatJobVariablesOverride() {
    ObjectNode s = spec("CDE_CPU", "4", "CDE_MEMORY", "8g", "CUSTOM_ENV_CDE_MEMORY", "1.5g");
    assertThat(s.path("cpu").asInt()).isEqualTo(4);
    assertThat(s.path("memory").asText()).isEqualTo("1536m");
    assertThat(s.has("gpu")).isFalse();
    assertThat(s.has("template")).isFalse();
  }

  @Test
  void theSessionOutlivesTheJobsTimeoutByTheMarginOnlyAndNeverPassesTheBridgesCeiling() {
    assertThat(spec().path("maxDuration").asText()).isEqualTo((3600 + JobSizing.MARGIN_SECONDS) + "s");
    assertThat(spec("CUSTOM_ENV_CI_JOB_TIMEOUT", "600").path("maxDuration").asText()).isEqualTo("1200s");
    assertThat(spec("CUSTOM_ENV_CI_JOB_TIMEOUT", "999999").path("maxDuration").asText()).isEqualTo("86400s");
  }

  @Test
  void aBadValueIsASystemFailureNamingTheVariable() {
    assertThatThrownBy(() -> spec("CUSTOM_ENV_CDE_CPU", "many")).isInstanceOf(StageFailure.class)
        .hasMessage("bad size in CDE_CPU: 'many' is not a CPU count (examples: 1, 2, 0.5)")
        .extracting(e -> ((StageFailure) e).kind()).isEqualTo(StageFailure.Kind.SYSTEM);
    assertThatThrownBy(() -> spec("CDE_GPU", "t4:x")).hasMessageStartingWith("bad size in CDE_GPU: 't4:x'");
    assertThatThrownBy(() -> spec("CUSTOM_ENV_CDE_MEMORY", "4x")).hasMessageStartingWith("bad size in CDE_MEMORY");
    assertThatThrownBy(() -> spec("CUSTOM_ENV_CI_JOB_TIMEOUT", "1h")).hasMessage("bad CI_JOB_TIMEOUT: '1h' is not a number of seconds");
  }

  @Test
  void withoutAJobIdThereIsNoJob() {
    assertThatThrownBy(() -> JobSizing.spec(new JobEnv(Map.of()))).isInstanceOf(StageFailure.class)
        .hasMessageContaining("CUSTOM_ENV_CI_JOB_ID is not set");
  }
}
