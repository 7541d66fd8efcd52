package dev.cde.gitlab.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The job prepare names for its session, from GitLab's job payload. */
class JobNameTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theJobsNameAndItsConfigFromThePayload() throws Exception {
    assertThat(JobName.of(JSON.readTree("""
        {"job_info": {"name": "test: [ruby, 3.2]", "stage": "test", "project_id": 7},
         "variables": [{"key": "CI_CONFIG_PATH", "value": "ci/main.yml"}, {"key": "CI_JOB_NAME", "value": "other"}]}
        """)).toString()).isEqualTo("{\"workflow\":\"ci/main.yml\",\"name\":\"test: [ruby, 3.2]\"}");
  }

  @Test
  void theDefaultConfigAndTheVariableWhenThePayloadHasNoJobInfo() throws Exception {
    assertThat(JobName.of(JSON.readTree("{\"variables\": [{\"key\": \"CI_JOB_NAME\", \"value\": \"build\"}]}"))
        .toString()).isEqualTo("{\"workflow\":\".gitlab-ci.yml\",\"name\":\"build\"}");
    assertThat(JobName.of(JSON.readTree("{\"variables\": []}"))).isNull();
  }
}
