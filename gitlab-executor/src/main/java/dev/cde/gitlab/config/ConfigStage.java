package dev.cde.gitlab.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.cli.CdeMain;
import dev.cde.gitlab.ExecutorContract;
import dev.cde.gitlab.JobEnv;
import java.util.Map;

/**
 * {@code config}: tells gitlab-runner where builds and caches live on the instance. Needs no bridge, so
 * it cannot fail for a reason prepare would not report better.
 */
public final class ConfigStage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigStage() {}

  public static DriverConfig config(JobEnv env) {
    String builds = env.runner(ExecutorContract.CDE_BUILDS_DIR);
    String cache = env.runner(ExecutorContract.CDE_CACHE_DIR);
    // shown in the job log as "Running on <hostname>": the session name is what `cde sessions` lists
    String hostname = env.job(ExecutorContract.CI_JOB_ID) == null && env.runner(ExecutorContract.JOB_RESPONSE_FILE) == null
        ? "cde" : env.sessionName();
    return new DriverConfig(builds != null ? builds : ExecutorContract.DEFAULT_BUILDS_DIR,
        cache != null ? cache : ExecutorContract.DEFAULT_CACHE_DIR, false, hostname,
        new DriverConfig.Driver("cde", CdeMain.VERSION), Map.of(), "bash");
  }

  public static String json(JobEnv env) {
    try {
      return JSON.writeValueAsString(config(env));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e); // a record of strings always serializes
    }
  }
}
