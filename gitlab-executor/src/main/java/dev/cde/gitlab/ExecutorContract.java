package dev.cde.gitlab;

import java.util.List;

/**
 * The custom executor contract as gitlab-runner calls it (docs/gitlab.md, "The contract"), in one place:
 * the stages we are called for, the environment gitlab-runner gives every call, the exit codes it reads.
 * Nothing here decides anything; the stage classes read their names and numbers from here.
 */
public final class ExecutorContract {
  private ExecutorContract() {}

  /** The first argument of every call: config.toml names the launcher four times with these. */
  public static final String CONFIG = "config";
  public static final String PREPARE = "prepare";
  public static final String RUN = "run";
  public static final String CLEANUP = "cleanup";

  // --- what gitlab-runner sets for every call ---
  /** Exit with this when the job's own script failed (gitlab-runner sets 1). */
  public static final String BUILD_FAILURE_EXIT_CODE = "BUILD_FAILURE_EXIT_CODE";
  /** Exit with this when we (the instance, the tunnel, the bridge) failed (gitlab-runner sets 2). */
  public static final String SYSTEM_FAILURE_EXIT_CODE = "SYSTEM_FAILURE_EXIT_CODE";
  /** Where a failing run writes the script's real exit code; gitlab-runner reads its first line. */
  public static final String BUILD_EXIT_CODE_FILE = "BUILD_EXIT_CODE_FILE";
  /** The whole job payload (0600): we read only its {@code id}, which, unlike CUSTOM_ENV_CI_JOB_ID, a job cannot set. */
  public static final String JOB_RESPONSE_FILE = "JOB_RESPONSE_FILE";
  /** Job variables arrive as CUSTOM_ENV_&lt;KEY&gt;. */
  public static final String CUSTOM_ENV_PREFIX = "CUSTOM_ENV_";
  /** Defaults when gitlab-runner's variables are missing (someone calling the driver by hand). */
  public static final int DEFAULT_BUILD_FAILURE = 1;
  public static final int DEFAULT_SYSTEM_FAILURE = 2;

  // --- job variables we read (without the CUSTOM_ENV_ prefix) ---
  public static final String CI_JOB_ID = "CI_JOB_ID";
  public static final String CI_JOB_TIMEOUT = "CI_JOB_TIMEOUT";
  public static final String CI_SERVER_HOST = "CI_SERVER_HOST";

  // --- sizing: job variable CDE_X, else the runner's own CDE_X (config.toml's environment) ---
  public static final String CDE_CPU = "CDE_CPU";
  public static final String CDE_MEMORY = "CDE_MEMORY";
  public static final String CDE_GPU = "CDE_GPU";
  public static final String CDE_TEMPLATE = "CDE_TEMPLATE";

  // --- the runner's environment only (config.toml), never a job variable: jobs must not pick the bridge ---
  public static final String CDE_BRIDGE_URL = "CDE_BRIDGE_URL";
  public static final String CDE_API_TOKEN = "CDE_API_TOKEN";
  /** The builds and cache directories on the instance (config's builds_dir / cache_dir). */
  public static final String CDE_BUILDS_DIR = "CDE_BUILDS_DIR";
  public static final String CDE_CACHE_DIR = "CDE_CACHE_DIR";
  public static final String DEFAULT_BUILDS_DIR = "/builds";
  public static final String DEFAULT_CACHE_DIR = "/cache";

  /**
   * The run stages gitlab-runner 19 knows, in the order it calls them (empty ones are skipped;
   * step_script arrives as build_script, other steps as step_&lt;name&gt;). We accept any name: a new one
   * once broke drivers that checked. Listed for the docs and for {@link #LAST_STAGE}.
   */
  public static final List<String> KNOWN_RUN_STAGES = List.of("prepare_script", "get_sources", "clear_worktree",
      "restore_cache", "download_artifacts", "build_script", "after_script", "archive_cache",
      "archive_cache_on_failure", "upload_artifacts_on_success", "upload_artifacts_on_failure",
      "cleanup_file_variables");

  /**
   * The last run stage of every job: gitlab-runner writes it always (it removes the job's temporary
   * files even when no file variable exists) and calls it after success, failure and timeout alike. The job's
   * end is recorded and its cost report printed here, because cleanup's output never reaches the job log.
   */
  public static final String LAST_STAGE = "cleanup_file_variables";

  /** The session name that lets each stage find the job's session again: one job, one name. */
  public static String sessionName(String serverHost, String jobId) {
    // CI_SERVER_HOST tells two GitLab instances' job 42 apart on one bridge; keep what a name may hold
    String host = serverHost == null || serverHost.isBlank() ? "" : serverHost.strip().replaceAll("[^A-Za-z0-9.:-]", "-") + "-";
    String name = "gitlab-" + host + jobId.strip().replaceAll("[^A-Za-z0-9]", "-");
    return name.length() <= 128 ? name : name.substring(name.length() - 128);
  }
}
