package dev.cde.gitlab.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Calls the driver the way gitlab-runner 19's custom executor does (docs/gitlab.md, "The contract"): the
 * real launcher, one process per call, the stage as first argument; env = the runner's env plus
 * BUILD_FAILURE_EXIT_CODE=1, SYSTEM_FAILURE_EXIT_CODE=2, BUILD_EXIT_CODE_FILE, JOB_RESPONSE_FILE, TMPDIR and
 * a CUSTOM_ENV_ copy of every job variable; working directory = the per-job temp dir.
 *
 * <p>{@link Job#run()} models the parts of gitlab-runner's job logic the driver's results feed: prepare
 * retried up to 3 times on any exit but 1, each attempt in a fresh temp dir with config first and cleanup
 * after a failure; the build stages in order until one fails; after_script whose failure never changes the
 * job's result; the on_success / on_failure variants of cache and artifact stages; cleanup_file_variables
 * always; cleanup always, its output kept out of the job log. Not modelled: the 3 s pause between prepare
 * attempts, timeouts (the cancel test sends the SIGTERM itself), services.
 */
public final class GitlabRunnerHarness {
  public static final int BUILD_FAILURE = 1;
  public static final int SYSTEM_FAILURE = 2;
  /** Build stages in gitlab-runner's order: the first failure ends them and decides the job. */
  static final List<String> BUILD_STAGES = List.of("prepare_script", "get_sources", "restore_cache",
      "download_artifacts", "build_script");

  private final Path root;
  private final Path work;
  private final Map<String, String> runnerEnv;

  /** {@code runnerEnv}: config.toml's [runners] environment (CDE_BRIDGE_URL, CDE_API_TOKEN, ...). */
  public GitlabRunnerHarness(Path root, Path work, Map<String, String> runnerEnv) {
    this.root = root;
    this.work = work;
    this.runnerEnv = runnerEnv;
  }

  public Path launcher() {
    return root.resolve("gitlab-executor/bin/cde-gitlab-executor");
  }

  public Job job(String id) {
    return new Job(id);
  }

  /** What the job ended with: its exit code as GitLab would show it, or a system failure. */
  public record JobResult(int exitCode, boolean systemFailure, String log, List<StageCall> calls) {
    public boolean passed() {
      return !systemFailure && exitCode == 0;
    }

    public StageCall call(String label) {
      return calls.stream().filter(c -> c.label().equals(label)).reduce((a, b) -> b)
          .orElseThrow(() -> new AssertionError("no call " + label + " in " + calls));
    }
  }

  public final class Job {
    public final String id;
    public final Map<String, String> variables = new LinkedHashMap<>();
    /** Stage name to its commands; a stage without commands is skipped, as gitlab-runner skips empty ones. */
    public final Map<String, List<String>> stages = new LinkedHashMap<>();
    public final List<StageCall> calls = new ArrayList<>();
    /** The clone URL in the payload's git_info; null: GitLab's form for CI_SERVER_HOST/CI_PROJECT_PATH. */
    public String repoUrl;
    private Path tmp;
    private int attempt;

    Job(String id) {
      this.id = id;
      variables.put("CI_JOB_ID", id);
      variables.put("CI_JOB_TIMEOUT", "600");
      variables.put("CI_SERVER_HOST", "gitlab.example.com");
      variables.put("CI_PROJECT_PATH", "group/project");
    }

    public Job stage(String name, String... commands) {
      stages.put(name, List.of(commands));
      return this;
    }

    public Path tmp() {
      return tmp;
    }

    /** The project directory gitlab-runner derives from builds_dir (builds_dir_is_shared = false). */
    public String projectDir(String buildsDir) {
      return buildsDir + "/" + variables.get("CI_PROJECT_PATH");
    }

    /** A fresh per-job temp dir, as gitlab-runner makes for the job and again for each prepare attempt. */
    public Path newTmp() throws IOException {
      tmp = Files.createDirectories(work.resolve("job-" + id + "-" + (++attempt)));
      Path response = tmp.resolve("response.json");
      // The parts of GitLab's job payload we read: the id, the job's name, the clone URL (with the job token in it,
      // as GitLab sends it), the ref, and the predefined variables the cache scope is taken from.
      Files.writeString(response, "{\"id\":" + id + ",\"token\":\"job-token-not-for-printing\","
          + "\"job_info\":{\"name\":\"build\",\"stage\":\"test\"},"
          + "\"git_info\":{\"repo_url\":\"" + (repoUrl != null ? repoUrl : "https://gitlab-ci-token:job-token-not-for-printing@"
          + variables.get("CI_SERVER_HOST") + "/" + variables.get("CI_PROJECT_PATH") + ".git") + "\",\"ref\":\"main\","
          + "\"ref_type\":\"branch\"},\"variables\":[{\"key\":\"CI_DEFAULT_BRANCH\",\"value\":\"main\","
          + "\"public\":true}]}");
      Files.setPosixFilePermissions(response, PosixFilePermissions.fromString("rw-------"));
      return tmp;
    }

    public ProcessBuilder process(String... args) throws IOException {
      if (tmp == null) {
        newTmp();
      }
      List<String> cmd = new ArrayList<>(List.of(launcher().toString()));
      cmd.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
      Map<String, String> env = pb.environment();
      env.keySet().removeIf(k -> k.startsWith("CDE_") || k.startsWith("CUSTOM_ENV_"));
      env.putAll(runnerEnv);
      env.put("BUILD_FAILURE_EXIT_CODE", Integer.toString(BUILD_FAILURE));
      env.put("SYSTEM_FAILURE_EXIT_CODE", Integer.toString(SYSTEM_FAILURE));
      env.put("BUILD_EXIT_CODE_FILE", tmp.resolve("build_exit_code").toString());
      env.put("JOB_RESPONSE_FILE", tmp.resolve("response.json").toString());
      env.put("TMPDIR", tmp.toString());
      variables.forEach((k, v) -> env.put("CUSTOM_ENV_" + k, v));
      return pb;
    }

    /** One driver call, to its end; {@code label} names it in {@link #calls}. */
    public StageCall call(String label, String... args) throws Exception {
      ProcessBuilder pb = process(args);
      Path out = Files.createTempFile(tmp, "out", "");
      Path err = Files.createTempFile(tmp, "err", "");
      long t0 = System.nanoTime();
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
          new java.io.File("/dev/null"))).start();
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(label + " did not finish; stderr: " + Files.readString(err));
      }
      Path codeFile = tmp.resolve("build_exit_code");
      StageCall c = new StageCall(label, p.exitValue(), Files.readString(out), Files.readString(err),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Files.exists(codeFile) ? Files.readString(codeFile) : null);
      calls.add(c);
      return c;
    }

    /** {@code run <script> <stage>} with a gitlab-runner-shaped script for {@code commands}. */
    public StageCall runStage(String stage, String buildsDir, List<String> commands) throws Exception {
      Path script = tmp.resolve("script-" + stage);
      Map<String, String> exports = new LinkedHashMap<>(variables);
      exports.put("CI_PROJECT_DIR", projectDir(buildsDir));
      Files.writeString(script, RunnerScript.of(exports, projectDir(buildsDir), commands), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      Files.deleteIfExists(tmp.resolve("build_exit_code"));
      return call(stage, "run", script.toString(), stage);
    }

    /** The whole job, as gitlab-runner drives it. */
    public JobResult run(String buildsDir) throws Exception {
      StringBuilder log = new StringBuilder();
      StageCall prepared = null;
      for (int i = 0; i < 3; i++) {
        newTmp();
        StageCall config = call("config", "config");
        log.append(config.err());
        if (config.code() != 0) {
          return new JobResult(SYSTEM_FAILURE, true, log.toString(), calls);
        }
        prepared = call("prepare", "prepare");
        log.append(prepared.both());
        if (prepared.code() == 0) {
          break;
        }
        call("cleanup", "cleanup");
        if (prepared.code() == BUILD_FAILURE) {
          break; // exit 1 is not retried
        }
      }
      if (prepared.code() != 0) {
        return new JobResult(prepared.code() == BUILD_FAILURE ? BUILD_FAILURE : SYSTEM_FAILURE,
            prepared.code() != BUILD_FAILURE, log.toString(), calls);
      }
      StageCall failed = null;
      for (String stage : BUILD_STAGES) {
        if (failed == null && stages.containsKey(stage)) {
          StageCall c = runStage(stage, buildsDir, stages.get(stage));
          log.append(c.both());
          if (c.code() != 0) {
            failed = c;
          }
        }
      }
      Integer exitCode = null;
      if (failed != null && failed.code() == BUILD_FAILURE) {
        // the failing stage's file, not a later stage's: this is the job's code
        exitCode = failed.buildExitCodeFile() == null ? 1
            : Integer.parseInt(failed.buildExitCodeFile().lines().findFirst().orElse("1").strip());
      }
      boolean success = failed == null;
      List<String> after = new ArrayList<>();
      after.add("after_script"); // its result is only a warning in the job log
      after.add(success ? "archive_cache" : "archive_cache_on_failure");
      after.add(success ? "upload_artifacts_on_success" : "upload_artifacts_on_failure");
      for (String stage : after) {
        if (stages.containsKey(stage)) {
          log.append(runStage(stage, buildsDir, stages.get(stage)).both());
        }
      }
      // gitlab-runner always writes this one (it removes the job's temporary files)
      log.append(runStage("cleanup_file_variables", buildsDir, stages.getOrDefault("cleanup_file_variables",
          List.of("rm -f \"$CI_PROJECT_DIR.tmp/CI_SERVER_TLS_CA_FILE\""))).both());
      call("cleanup", "cleanup");
      if (success) {
        return new JobResult(0, false, log.toString(), calls);
      }
      return exitCode != null ? new JobResult(exitCode, false, log.toString(), calls)
          : new JobResult(SYSTEM_FAILURE, true, log.toString(), calls);
    }
  }
}
