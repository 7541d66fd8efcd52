package dev.cde.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobEnvTest {
  @TempDir
  Path tmp;

  @Test
  void theJobIdComesFromGitlabsPayloadNotFromAVariableTheJobCanSet() throws Exception {
    Path response = Files.writeString(tmp.resolve("response.json"), "{\"id\": 4711, \"token\": \"x\"}");
    JobEnv env = new JobEnv(Map.of("JOB_RESPONSE_FILE", response.toString(), "CUSTOM_ENV_CI_JOB_ID", "1",
        "CUSTOM_ENV_CI_SERVER_HOST", "gitlab.example.com"));
    assertThat(env.jobId()).isEqualTo("4711");
    assertThat(env.sessionName()).isEqualTo("gitlab-gitlab.example.com-4711");
  }

  @Test
  void withoutAPayloadTheVariableIsUsedAndWithNeitherThereIsNoJob() {
    assertThat(new JobEnv(Map.of("CUSTOM_ENV_CI_JOB_ID", "12")).sessionName()).isEqualTo("gitlab-12");
    assertThatThrownBy(() -> new JobEnv(Map.of()).jobId()).isInstanceOf(StageFailure.class);
    assertThatThrownBy(() -> new JobEnv(Map.of("JOB_RESPONSE_FILE", tmp.resolve("missing").toString())).jobId())
        .isInstanceOf(StageFailure.class).hasMessageStartingWith("cannot read the job payload");
  }

  @Test
  void sessionNamesKeepOnlyWhatTheBridgeAcceptsAndExitCodesFallBackToGitlabsDefaults() {
    assertThat(ExecutorContract.sessionName("evil host/$(x)", "42")).isEqualTo("gitlab-evil-host---x--42");
    JobEnv env = new JobEnv(Map.of("BUILD_FAILURE_EXIT_CODE", "7", "SYSTEM_FAILURE_EXIT_CODE", "bogus"));
    assertThat(env.buildFailureExitCode()).isEqualTo(7);
    assertThat(env.systemFailureExitCode()).isEqualTo(2);
  }
}
