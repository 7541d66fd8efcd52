package dev.cde.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.cli.RealBridge;
import dev.cde.gitlab.harness.GitlabRunnerHarness;
import dev.cde.gitlab.harness.GitlabRunnerHarness.Job;
import dev.cde.gitlab.harness.GitlabRunnerHarness.JobResult;
import dev.cde.gitlab.harness.StageCall;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The driver as gitlab-runner calls it (the real launcher, one process per stage, gitlab-runner-shaped
 * scripts; see {@link GitlabRunnerHarness}) against the real bridge with the local provider and, through
 * it, the real agent. No gitlab-runner binary: the harness plays its part, as docs/gitlab.md says.
 */
class GitlabExecutorIT {
  static RealBridge bridge;
  /** [runners.cache.s3] AccessKey/SecretKey of the runner host's config.toml, given to the bridge too. */
  static final String CACHE_KEY_ID = "it-runner-host";
  static final String CACHE_SECRET = "it-cache-secret-not-for-printing";
  /** On the instance: the local provider's instances share the host's /tmp, or have their own tmpfs there. */
  static final String BUILDS = "/tmp/cde-gitlab-it-builds-" + ProcessHandle.current().pid();

  @TempDir
  Path work;

  final List<Job> jobs = new ArrayList<>();

  @RegisterExtension
  static final TestWatcher DUMP_ON_FAILURE = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (bridge != null) {
        System.err.println("---- bridge log (tail) after " + context.getDisplayName() + " ----\n" + bridge.logTail());
      }
    }
  };

  @BeforeAll
  static void start() throws Exception {
    Path jar = RealBridge.root().resolve("gitlab-executor/target/cde-gitlab-executor.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: package gitlab-executor first");
    }
    // Budgets for two groups only (docs/costs.md): nothing may be spent under budget-spent, and a job under
    // budget-capped may cost 0.0001 USD (about 4 s of 1 vCPU and 1 GiB at the local table's prices).
    bridge = RealBridge.start(Map.of("cde.gitlab-cache.enabled", "true", "cde.gitlab-cache.access-key-id", CACHE_KEY_ID,
        "cde.gitlab-cache.secret-access-key", CACHE_SECRET,
        "cde.budgets.rules[0].scope", "org:gitlab.example.com/budget-spent", "cde.budgets.rules[0].period", "month",
        "cde.budgets.rules[0].amount", "0",
        "cde.budgets.job-caps[0].scope", "org:gitlab.example.com/budget-capped", "cde.budgets.job-caps[0].amount",
        "0.0001", "cde.budgets.check-every", "1s"));
    // A job's scripts run cde from the NAS, which every instance sees (read-only) wherever the checkout is: a
    // checkout under /tmp (a CI clone) is hidden by the sandbox's own /tmp.
    Path staged = Files.createDirectories(bridge.home.resolve("nas").resolve(".cde-test"));
    Files.copy(RealBridge.root().resolve("cli/target/cde.jar"), staged.resolve("cde.jar"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  @AfterAll
  static void stop() throws Exception {
    if (bridge != null) {
      bridge.close();
    }
  }

  /** Whatever a test did, no session of its jobs may be left running, and no output may show the token. */
  @AfterEach
  void noSessionLeftAndNoSecretShown() throws Exception {
    for (Job job : jobs) {
      for (StageCall c : job.calls) {
        assertThat(c.both()).as(c.label()).doesNotContain(bridge.token()).doesNotContain("job-token-not-for-printing")
            .doesNotContain(CACHE_SECRET);
      }
    }
  }

  GitlabRunnerHarness harness(Map<String, String> runnerEnv) throws Exception {
    return new GitlabRunnerHarness(RealBridge.root(), work, runnerEnv);
  }

  GitlabRunnerHarness harness() throws Exception {
    return harness(Map.of("CDE_BRIDGE_URL", bridge.url(), "CDE_API_TOKEN", bridge.token(), "CDE_BUILDS_DIR", BUILDS,
        "CDE_CPU", "1", "CDE_MEMORY", "1g"));
  }

  Job job(GitlabRunnerHarness h) {
    Job j = h.job(Long.toString(ThreadLocalRandom.current().nextLong(1_000_000, 9_999_999)));
    jobs.add(j);
    return j;
  }

  List<JsonNode> activeSessions(Job job) throws Exception {
    String name = ExecutorContract.sessionName("gitlab.example.com", job.id);
    var r = bridge.api(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/v1/sessions?state=PENDING,STARTING,RUNNING,STOPPING&name=" + name))
        .header("Authorization", "Bearer " + bridge.token()).GET());
    List<JsonNode> out = new ArrayList<>();
    RealBridge.JSON.readTree(r.body()).forEach(out::add);
    return out;
  }

  /** cde as a job's script runs it: staged on the NAS by {@link #start}; CDE_NAS is where the instance sees it. */
  static final String CDE = "java -jar \"$CDE_NAS/.cde-test/cde.jar\"";

  /**
   * The job's repository is mirrored on the NAS by prepare, and get_sources' clone borrows the mirror's objects:
   * a 2 MiB incompressible file arrives without its bytes crossing the wire again.
   */
  @Test
  void getSourcesBorrowsObjectsFromTheBridgesMirror() throws Exception {
    Job job = job(harness());
    Path origin = bridge.home.resolve("nas").resolve(".cde-test").resolve("origin-" + job.id + ".git");
    Path seed = Files.createTempDirectory("cde-it-seed");
    git(seed, "init", "-q", "-b", "main");
    byte[] blob = new byte[2 << 20];
    ThreadLocalRandom.current().nextBytes(blob);
    Files.write(seed.resolve("big.bin"), blob);
    git(seed, "add", ".");
    git(seed, "-c", "user.name=it", "-c", "user.email=it@example.com", "commit", "-q", "-m", "seed");
    git(seed, "clone", "-q", "--bare", seed.toString(), origin.toString());
    job.repoUrl = "file://" + origin;
    job.stage("get_sources", "echo \"alternates: $GIT_ALTERNATE_OBJECT_DIRECTORIES\"",
        "git clone -q \"file://$CDE_NAS/.cde-test/origin-" + job.id + ".git\" src",
        "git -C src count-objects -v | grep size-pack", "sha256sum src/big.bin")
        .stage("build_script", "test -n \"$GIT_ALTERNATE_OBJECT_DIRECTORIES\"", "git -C src fsck --no-progress && echo fsck-ok");
    JobResult r = job.run(BUILDS);

    assertThat(r.passed()).as(r.calls().toString()).isTrue();
    assertThat(r.call("prepare").out()).contains("borrow objects from the bridge's mirror git/localhost/");
    StageCall sources = r.call("get_sources");
    assertThat(sources.out()).containsPattern("alternates: \\S+/objects\n");
    int packKiB = Integer.parseInt(sources.out().lines().filter(l -> l.startsWith("size-pack:")).findFirst()
        .orElseThrow().replaceAll("\\D", ""));
    assertThat(packKiB).as("KiB the clone received, of a 2048 KiB incompressible file").isLessThan(64);
    assertThat(sources.out()).contains(java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(blob)));
    assertThat(r.call("build_script").out()).contains("fsck-ok");
  }

  private static void git(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  @Test
  void aPassingJobRunsEveryStageOnOneInstanceAndReportsItsCost() throws Exception {
    Job job = job(harness());
    job.variables.put("GREETING", "it's \"quoted\" $HOME");
    // the script holds the job's variables: none may show on a command line on the instance
    job.variables.put("SECRET_VALUE", "s3cr3t-" + job.id);
    job.stage("get_sources", "echo from-get-sources > source.txt", "echo \"$$\" > ../first-stage.pid")
        .stage("build_script", "cat source.txt", "echo \"greeting: $GREETING\"", "echo to-stderr >&2",
            "test -x /bin/sh",
            "if cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -qF -f <(printf '%s\\n' \"$SECRET_VALUE\");"
                + " then echo 'a secret on a command line'; exit 9; fi",
            // the NAS cache from a job's script: the scope prepare sent, the token every stage gets
            CDE + " cache save --key gl-" + job.id + " --path source.txt",
            "rm source.txt && " + CDE + " cache restore --key gl-" + job.id + " --path source.txt && cat source.txt");
    JobResult r = job.run(BUILDS);

    assertThat(r.passed()).as(r.calls().toString()).isTrue();
    System.out.println("---- job log of a passing job ----\n" + r.log() + "---- stage wall times (ms): "
        + r.calls().stream().map(c -> c.label() + "=" + c.millis()).toList());
    assertThat(r.call("config").out()).contains("\"builds_dir\":\"" + BUILDS + "\"");
    assertThat(r.call("prepare").out()).containsPattern("cde: session s-\\S+ running after");
    StageCall build = r.call("build_script");
    assertThat(build.out()).contains("from-get-sources\n").contains("greeting: it's \"quoted\" $HOME\n");
    assertThat(build.err()).contains("to-stderr\n").contains("cde cache: saved gl-" + job.id);
    assertThat(build.out()).contains("cache-hit=true\ncache-matched-key=gl-" + job.id + "\nfrom-get-sources\n");
    assertThat(r.call("prepare").out()).contains("cache gitlab.example.com/group/project refs/heads/main")
        .doesNotContain("job-token-not-for-printing");
    // the user's cost report: in the job log, from the last run stage
    assertThat(r.call("cleanup_file_variables").err()).containsPattern("cde: s-\\S+ so far · [0-9.]+ s · 1 vCPU · 1 GiB · \\$[0-9.]+");
    assertThat(r.log()).contains(" so far ");
    // ... and the cost report, with the job's start (its first stage) and end (this stage) on the timeline
    String sessionName = ExecutorContract.sessionName("gitlab.example.com", job.id);
    assertThat(r.call("cleanup_file_variables").err()).contains("### cde cost report: `s-")
        .contains("`" + sessionName + "` · session running, figures so far · priced with **local/default**")
        .containsPattern("- \\*\\*Timeline\\*\\*: launch → ready after [0-9.]+ s \\(cold start\\) → job start \\+[0-9.]+ s"
            + " → job end after [0-9.]+ s → still running")
        .contains("- **On a GitHub-hosted runner**: `linux_slim`");
    assertThat(r.log()).contains("### cde cost report");
    // cleanup ended it and printed the final report, in the runner's log only
    assertThat(r.call("cleanup").code()).isZero();
    assertThat(r.call("cleanup").err()).containsPattern("cde: s-\\S+ ended: job " + job.id + " cleaned up · .*\\$[0-9.]+")
        .contains("`" + sessionName + "` · session ended · priced with **local/default**");
    assertThat(activeSessions(job)).isEmpty();
    // the job's runs are one job's history in the cost aggregates, by project, CI config and job name
    assertThat(r.call("prepare").out()).contains("job build");
    var costs = bridge.api(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/v1/costs?groupBy=job"))
        .header("Authorization", "Bearer " + bridge.token()).GET());
    assertThat(RealBridge.JSON.readTree(costs.body()).path("groups").findValues("job").stream().map(JsonNode::asText))
        .as(costs.body()).contains("build");
  }

  @Test
  void aFailingBuildScriptFailsTheJobWithTheScriptsExitCodeAndAfterScriptStillRuns() throws Exception {
    Job job = job(harness());
    job.stage("build_script", "echo before", "exit 42", "echo never")
        .stage("after_script", "echo after-script-ran");
    JobResult r = job.run(BUILDS);

    assertThat(r.systemFailure()).isFalse();
    assertThat(r.exitCode()).as(r.calls().toString()).isEqualTo(42);
    StageCall build = r.call("build_script");
    assertThat(build.code()).isEqualTo(GitlabRunnerHarness.BUILD_FAILURE);
    assertThat(build.buildExitCodeFile()).isEqualTo("42\n");
    assertThat(build.out()).contains("before").doesNotContain("never");
    assertThat(r.call("after_script").out()).contains("after-script-ran");
    assertThat(activeSessions(job)).isEmpty();
  }

  @Test
  void aFailingAfterScriptDoesNotChangeThePassingJobsResult() throws Exception {
    Job job = job(harness());
    job.stage("build_script", "echo built").stage("after_script", "echo cleaning", "exit 5");
    JobResult r = job.run(BUILDS);

    StageCall after = r.call("after_script");
    assertThat(after.code()).isEqualTo(GitlabRunnerHarness.BUILD_FAILURE);
    assertThat(after.buildExitCodeFile()).isEqualTo("5\n");
    assertThat(r.passed()).as(r.calls().toString()).isTrue();
  }

  @Test
  void aCancelledStageStopsTheRemoteScriptAndTheDriverExitsPromptly() throws Exception {
    GitlabRunnerHarness h = harness();
    Job job = job(h);
    job.newTmp();
    assertThat(job.call("config", "config").code()).isZero();
    assertThat(job.call("prepare", "prepare").code()).as(job.calls.toString()).isZero();
    String dir = job.projectDir(BUILDS);

    Path script = job.tmp().resolve("script-build");
    Files.writeString(script, dev.cde.gitlab.harness.RunnerScript.of(Map.of(), dir, List.of(
        "sh -c 'echo $$ > sleeper.pid; exec sleep 300' &", "echo started", "wait")));
    Path out = job.tmp().resolve("cancel.out");
    Path err = job.tmp().resolve("cancel.err");
    Process p = job.process("run", script.toString(), "build_script").redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(out).contains("started") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(out)).as(Files.readString(err)).contains("started");
    long t0 = System.nanoTime();
    p.destroy(); // SIGTERM, as gitlab-runner cancels
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("driver exits promptly after SIGTERM").isTrue();
    long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.println("driver exited " + stopMillis + " ms after SIGTERM with " + p.exitValue() + "; stderr: "
        + Files.readString(err).strip());
    assertThat(Files.readString(err)).contains("stage cancelled (SIGTERM)");
    assertThat(stopMillis).isLessThan(8000);
    assertThat(p.exitValue()).isNotZero();

    // the instance is still there (cleanup has not run), and neither the script nor its sleep is
    StageCall check = job.runStage("check", BUILDS, List.of(
        "pid=$(cat sleeper.pid)", "if kill -0 \"$pid\" 2>/dev/null; then echo \"still running: $pid\"; exit 1; fi",
        "echo gone"));
    assertThat(check.code()).as(check.toString()).isZero();
    assertThat(check.out()).contains("gone");
    assertThat(job.call("cleanup", "cleanup").code()).isZero();
    assertThat(activeSessions(job)).isEmpty();
  }

  @Test
  void aSessionThatEndsUnderARunningStageIsASystemFailureAndSoIsEveryStageAfterIt() throws Exception {
    Job job = job(harness());
    job.newTmp();
    assertThat(job.call("prepare", "prepare").code()).isZero();
    String id = activeSessions(job).get(0).path("id").asText();
    Path script = job.tmp().resolve("script-build");
    Files.writeString(script, dev.cde.gitlab.harness.RunnerScript.of(Map.of(), job.projectDir(BUILDS),
        List.of("echo started", "sleep 60")));
    Path out = job.tmp().resolve("lost.out");
    Path err = job.tmp().resolve("lost.err");
    Process p = job.process("run", script.toString(), "build_script").redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(out).contains("started") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    bridge.endSession(id); // the instance goes away under the stage (max duration, provider failure, an admin)
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(err)).isEqualTo(GitlabRunnerHarness.SYSTEM_FAILURE);
    assertThat(Files.readString(err)).contains("cde-gitlab-executor: lost the connection to the instance");

    StageCall next = job.runStage("after_script", BUILDS, List.of("echo never"));
    assertThat(next.code()).isEqualTo(GitlabRunnerHarness.SYSTEM_FAILURE);
    // the job log says why the session is gone
    assertThat(next.err()).startsWith("cde-gitlab-executor: the cde session of this job (" + id + ") ended: ended by"
        + " request");
    assertThat(next.buildExitCodeFile()).isNull();
    assertThat(job.call("cleanup", "cleanup").code()).isZero();
  }

  @Test
  void aBadSizeFailsPrepareAsASystemFailureWithOneClearLineAndCleanupsAfterwardsSucceed() throws Exception {
    Job job = job(harness());
    job.variables.put("CDE_MEMORY", "lots");
    job.stage("build_script", "echo never");
    JobResult r = job.run(BUILDS);

    assertThat(r.systemFailure()).isTrue();
    List<StageCall> prepares = r.calls().stream().filter(c -> c.label().equals("prepare")).toList();
    assertThat(prepares).hasSize(3); // exit 2 is retried by gitlab-runner
    for (StageCall p : prepares) {
      assertThat(p.code()).isEqualTo(GitlabRunnerHarness.SYSTEM_FAILURE);
      assertThat(p.err()).isEqualTo("cde-gitlab-executor: bad size in CDE_MEMORY: 'lots' is not a memory size"
          + " (examples: 512m, 4g)\n");
    }
    List<StageCall> cleanups = r.calls().stream().filter(c -> c.label().equals("cleanup")).toList();
    assertThat(cleanups).hasSize(3).allSatisfy(c -> assertThat(c.code()).isZero());
    assertThat(job.call("cleanup", "cleanup").code()).isZero(); // once more: still fine
    assertThat(r.calls()).noneMatch(c -> c.label().equals("build_script"));
  }

  /**
   * A spent budget fails prepare as a build failure: gitlab-runner does not retry it (three prepares would be refused
   * alike) nor count it against the runner, and the job log has the bridge's line naming the budget and figures.
   */
  @Test
  void aSpentBudgetFailsPrepareOnceAsABuildFailureWithTheBudgetInTheJobLog() throws Exception {
    Job job = job(harness());
    job.variables.put("CI_PROJECT_PATH", "budget-spent/app");
    job.stage("build_script", "echo never");
    JobResult r = job.run(BUILDS);

    assertThat(r.systemFailure()).isFalse();
    assertThat(r.exitCode()).isEqualTo(GitlabRunnerHarness.BUILD_FAILURE);
    List<StageCall> prepares = r.calls().stream().filter(c -> c.label().equals("prepare")).toList();
    assertThat(prepares).hasSize(1);
    assertThat(prepares.get(0).err()).matches("cde-gitlab-executor: the bridge refused a new session: budget"
        + " org:gitlab\\.example\\.com/budget-spent per month is spent: 0 of 0 USD \\(UTC month resets at"
        + " \\d{4}-\\d\\d-01T00:00:00Z\\)\n");
    assertThat(r.log()).contains("budget org:gitlab.example.com/budget-spent per month is spent");
    assertThat(r.calls()).noneMatch(c -> c.label().equals("build_script"));
    assertThat(activeSessions(job)).isEmpty();
  }

  /** A job past its cost cap is ended by the bridge; the stage that ran then says so in the job log. */
  @Test
  void aJobPastItsCostCapIsEndedAndItsLogSaysWhy() throws Exception {
    Job job = job(harness());
    job.variables.put("CI_PROJECT_PATH", "budget-capped/app");
    job.stage("build_script", "echo started", "sleep 60");
    long start = System.nanoTime();
    JobResult r = job.run(BUILDS);

    assertThat(r.passed()).isFalse();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(50); // not the whole sleep
    assertThat(r.log()).containsPattern("cost cap reached: spent 0\\.000\\d+ of cap 0\\.0001 USD");
    assertThat(activeSessions(job)).isEmpty();
    assertThat(job.call("cleanup", "cleanup").code()).isZero();
  }

  @Test
  void noBridgeFailsPrepareAsASystemFailure() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Job job = job(harness(Map.of("CDE_BRIDGE_URL", "http://127.0.0.1:" + port, "CDE_API_TOKEN", bridge.token())));
    job.newTmp();
    StageCall p = job.call("prepare", "prepare");
    assertThat(p.code()).isEqualTo(GitlabRunnerHarness.SYSTEM_FAILURE);
    assertThat(p.err()).startsWith("cde-gitlab-executor: cannot reach the bridge at http://127.0.0.1:" + port);
  }

  @Test
  void cleanupTwiceAndForASessionAlreadyGoneSucceeds() throws Exception {
    Job job = job(harness());
    job.newTmp();
    assertThat(job.call("prepare", "prepare").code()).isZero();
    // a SIGKILLed driver or a dead runner host never calls cleanup: the bridge ends the session at its max
    // duration, the job's timeout (600 s in the harness) plus the margin
    assertThat(activeSessions(job)).singleElement().satisfies(s -> assertThat(s.path("maxDurationSeconds").asLong())
        .isEqualTo(600 + dev.cde.gitlab.prepare.JobSizing.MARGIN_SECONDS));
    StageCall first = job.call("cleanup", "cleanup");
    StageCall second = job.call("cleanup", "cleanup");
    assertThat(first.code()).isZero();
    assertThat(first.err()).contains(" ended: ");
    assertThat(second.code()).isZero();
    assertThat(second.err()).contains("nothing to end");
    assertThat(activeSessions(job)).isEmpty();
  }

  /**
   * GitLab's own {@code cache:} keyword through the bridge's S3 endpoint, the way a real job takes it: gitlab-runner
   * on the runner host pre-signs a PUT and a GET for {@code runner/<token>/project/<id>/<key>} (here: the AWS SDK's
   * presigner, for ServerAddress = the bridge as instances reach it), and its helper on the instance uploads in
   * one job's {@code archive_cache} and downloads in the next job's {@code restore_cache} (here: curl, as the
   * harness has no helper binary). The bytes cross from one instance to the next through the NAS.
   */
  @Test
  void gitlabsCacheKeywordGoesFromOneJobsInstanceToTheNextsThroughTheBridge() throws Exception {
    String project = Long.toString(ThreadLocalRandom.current().nextLong(100_000, 999_999));
    String object = "runner/abcd1234/project/" + project + "/default-protected";
    String put;
    String get;
    String getMissing;
    try (S3Presigner signer = S3Presigner.builder().region(Region.US_EAST_1).endpointOverride(URI.create(bridge.url()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(CACHE_KEY_ID, CACHE_SECRET)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
      put = signer.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(20)).putObjectRequest(o -> o
          .bucket("cde-cache").key(object).metadata(Map.of("cachekey", "default-protected")))).url().toString();
      get = signer.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(20)).getObjectRequest(o -> o
          .bucket("cde-cache").key(object))).url().toString();
      getMissing = signer.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(20)).getObjectRequest(o -> o
          .bucket("cde-cache").key(object + "-never-saved"))).url().toString();
    }

    Job first = job(harness());
    first.stage("build_script", "rm -f cache.zip", "head -c 3145728 /dev/urandom > cache.zip")
        .stage("archive_cache", "sha256sum cache.zip",
            "curl -sSf -T cache.zip -H 'Content-Type: application/octet-stream' -H 'x-amz-meta-cachekey: default-protected' '"
                + put + "'", "echo uploaded");
    JobResult one = first.run(BUILDS);
    assertThat(one.passed()).as(one.calls().toString()).isTrue();
    String saved = one.call("archive_cache").out().lines().filter(l -> l.endsWith("cache.zip")).findFirst().orElseThrow();
    assertThat(bridge.home.resolve("nas/gitlab/cde-cache").resolve(object)).isRegularFile();

    Job second = job(harness());
    second.stage("restore_cache", "rm -f cache.zip",
            "curl -sSf -o cache.zip '" + get + "'", "sha256sum cache.zip",
            "echo \"missing key: $(curl -s -o /dev/null -w '%{http_code}' '" + getMissing + "')\"")
        .stage("build_script", "test -s cache.zip");
    JobResult two = second.run(BUILDS);
    assertThat(two.passed()).as(two.calls().toString()).isTrue();
    StageCall restore = two.call("restore_cache");
    assertThat(restore.out()).contains(saved).contains("missing key: 404");
    assertThat(Files.readString(bridge.log)).contains("gitlab cache: project " + project + " stored")
        .doesNotContain(CACHE_SECRET);
  }
}
