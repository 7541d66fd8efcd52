package dev.cde.gitlab.prepare;

import static dev.cde.gitlab.ExecutorContract.CDE_CPU;
import static dev.cde.gitlab.ExecutorContract.CDE_GPU;
import static dev.cde.gitlab.ExecutorContract.CDE_MEMORY;
import static dev.cde.gitlab.ExecutorContract.CDE_TEMPLATE;
import static dev.cde.gitlab.ExecutorContract.CI_JOB_TIMEOUT;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.cli.Sizes;
import dev.cde.cli.SizingOptions;
import dev.cde.gitlab.JobEnv;
import dev.cde.gitlab.StageFailure;
import java.util.function.Function;

/**
 * The session a job asks for: size from the job's CDE_* variables (else the runner's), a life bounded by
 * the job's timeout plus {@link #MARGIN_SECONDS}, so that an instance outlives neither a SIGKILLed driver
 * nor a dead runner host by more than that: the bridge's reconciler ends sessions past their max duration.
 */
public final class JobSizing {
  /** Room for prepare, the stages after a timeout (after_script, caches, artifacts) and cleanup. */
  public static final long MARGIN_SECONDS = 10 * 60;
  /** gitlab-runner's own default job timeout, for a job that does not say. */
  public static final long DEFAULT_JOB_TIMEOUT_SECONDS = 3600;
  /** The bridge's ceiling (SessionSpecParser.MAX_DURATION_S). */
  public static final long MAX_SECONDS = 24 * 3600;

  private JobSizing() {}

  /** The body of {@code POST /api/v1/sessions} for this job, named so later stages find it. */
  public static ObjectNode spec(JobEnv env) {
    String cpu = checked(env, CDE_CPU, Sizes::cpu);
    String memory = checked(env, CDE_MEMORY, Sizes::memory);
    String gpu = checked(env, CDE_GPU, Sizes::gpu);
    long seconds;
    try {
      seconds = maxDurationSeconds(env);
    } catch (IllegalArgumentException e) {
      throw StageFailure.system("bad " + CI_JOB_TIMEOUT + ": " + e.getMessage());
    }
    ObjectNode spec = SizingOptions.of(env.jobOrRunner(CDE_TEMPLATE), cpu, memory, gpu, seconds + "s").toSpec();
    spec.put("name", env.sessionName());
    return spec;
  }

  /** The job's (else the runner's) value of {@code variable}, checked with the cli's parser for it. */
  private static String checked(JobEnv env, String variable, Function<String, Object> parser) {
    String v = env.jobOrRunner(variable);
    if (v != null) {
      try {
        parser.apply(v);
      } catch (IllegalArgumentException e) {
        throw StageFailure.system("bad size in " + variable + ": " + e.getMessage());
      }
    }
    return v;
  }

  /** CI_JOB_TIMEOUT (seconds) plus the margin, within the bridge's ceiling. */
  static long maxDurationSeconds(JobEnv env) {
    String t = env.job(CI_JOB_TIMEOUT);
    long timeout = DEFAULT_JOB_TIMEOUT_SECONDS;
    if (t != null) {
      try {
        timeout = Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + t + "' is not a number of seconds");
      }
      if (timeout <= 0) {
        throw new IllegalArgumentException("'" + t + "' is not a positive number of seconds");
      }
    }
    return Math.min(timeout + MARGIN_SECONDS, MAX_SECONDS);
  }
}
