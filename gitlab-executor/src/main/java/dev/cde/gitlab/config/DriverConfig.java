package dev.cde.gitlab.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** What config prints and gitlab-runner parses (its field names, snake case, as the custom executor reads them). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DriverConfig(
    @JsonProperty("builds_dir") String buildsDir,
    @JsonProperty("cache_dir") String cacheDir,
    // false: every job gets its own instance, so gitlab-runner need not add runner/concurrency ids to paths
    @JsonProperty("builds_dir_is_shared") boolean buildsDirIsShared,
    @JsonProperty("hostname") String hostname,
    @JsonProperty("driver") Driver driver,
    @JsonProperty("job_env") Map<String, String> jobEnv,
    @JsonProperty("shell") String shell) {

  public record Driver(@JsonProperty("name") String name, @JsonProperty("version") String version) {
  }
}
