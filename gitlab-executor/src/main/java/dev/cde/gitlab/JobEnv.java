package dev.cde.gitlab;

import static dev.cde.gitlab.ExecutorContract.CUSTOM_ENV_PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.cli.CliEnv;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** One call's environment as gitlab-runner built it: the runner's own variables plus CUSTOM_ENV_ job variables. */
public final class JobEnv {
  private final Map<String, String> env;

  public JobEnv(Map<String, String> env) {
    this.env = env;
  }

  public static JobEnv system() {
    return new JobEnv(System.getenv());
  }

  /** A variable of the runner's environment (config.toml's {@code environment}), null when unset or blank. */
  public String runner(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  /** A job variable ({@code CUSTOM_ENV_<name>}), null when unset or blank. */
  public String job(String name) {
    return runner(CUSTOM_ENV_PREFIX + name);
  }

  /** The job's variable, else the runner's default of the same name. */
  public String jobOrRunner(String name) {
    String v = job(name);
    return v != null ? v : runner(name);
  }

  public int buildFailureExitCode() {
    return code(ExecutorContract.BUILD_FAILURE_EXIT_CODE, ExecutorContract.DEFAULT_BUILD_FAILURE);
  }

  public int systemFailureExitCode() {
    return code(ExecutorContract.SYSTEM_FAILURE_EXIT_CODE, ExecutorContract.DEFAULT_SYSTEM_FAILURE);
  }

  public Path buildExitCodeFile() {
    String f = runner(ExecutorContract.BUILD_EXIT_CODE_FILE);
    return f == null ? null : Path.of(f);
  }

  /**
   * The job id; every stage but config needs it, and without it there is no job to speak of. Taken from
   * JOB_RESPONSE_FILE (GitLab's own payload) when there is one: a job can set its CUSTOM_ENV_ variables,
   * and a job that could choose its id could choose another job's session.
   */
  public String jobId() {
    String fromResponse = responseJobId();
    if (fromResponse != null) {
      return fromResponse;
    }
    String id = job(ExecutorContract.CI_JOB_ID);
    if (id == null) {
      throw new StageFailure(StageFailure.Kind.SYSTEM, CUSTOM_ENV_PREFIX + ExecutorContract.CI_JOB_ID
          + " is not set: is this called by gitlab-runner's custom executor?");
    }
    return id;
  }

  private String responseJobId() {
    String file = runner(ExecutorContract.JOB_RESPONSE_FILE);
    if (file == null) {
      return null;
    }
    try {
      JsonNode id = new ObjectMapper().readTree(Path.of(file).toFile()).path("id");
      return id.isIntegralNumber() || id.isTextual() && !id.asText().isBlank() ? id.asText() : null;
    } catch (IOException e) {
      throw new StageFailure(StageFailure.Kind.SYSTEM, "cannot read the job payload " + file + ": " + e.getMessage());
    }
  }

  public String sessionName() {
    return ExecutorContract.sessionName(job(ExecutorContract.CI_SERVER_HOST), jobId());
  }

  /**
   * The bridge's URL and token ({@code CDE_BRIDGE_URL}, {@code CDE_API_TOKEN}, else {@code $CDE_HOME/api-token})
   * read the way the cli reads them. Only the runner's variables count: CUSTOM_ENV_ ones have another name.
   */
  public CliEnv cli() {
    return new CliEnv(env, Path.of(System.getProperty("user.home")));
  }

  public Map<String, String> asMap() {
    return env;
  }

  private int code(String name, int fallback) {
    String v = runner(name);
    try {
      return v == null ? fallback : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
