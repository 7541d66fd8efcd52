package dev.cde.bridge.github.runners;

import dev.cde.bridge.cache.actions.SessionCacheEnv;
import dev.cde.bridge.github.api.GithubApiException;
import dev.cde.bridge.github.api.JitConfigClient;
import dev.cde.bridge.github.api.JitRunner;
import dev.cde.bridge.github.labels.JobSpec;
import dev.cde.bridge.github.labels.LabelSpecParser;
import dev.cde.bridge.logs.SessionLogs;
import dev.cde.bridge.relay.AgentLinks;
import dev.cde.bridge.session.CreateSessionRequest;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.InstanceCallbackUrl;
import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionConfig;
import dev.cde.bridge.session.SessionState;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Brings one runner up: a session sized by the job's labels, a JIT config named after the job, and GitHub's
 * runner on an exec channel with that config in its environment. The runner's output goes to the session's
 * log; its exit ends the session. Each step that fails ends what the earlier steps made.
 */
@ApplicationScoped
public class RunnerLauncher {
  private static final Logger LOG = Logger.getLogger(RunnerLauncher.class);
  /** The audience of the token a runner's hooks call the bridge with; never accepted by an agent. */
  public static final String HOOK_AUDIENCE = "cde-github-hook";
  /** A runner started only to fail a job whose labels are wrong needs little, and not for long. */
  static final String REFUSAL_DURATION = "10m";

  private final SessionBroker broker;
  private final AgentLinks links;
  private final JitConfigClient jit;
  private final GithubJobStore store;
  private final SessionLogs logs;
  private final SigningKeys keys;
  private final RunnersConfig config;
  private final SessionConfig sessions;
  private final SessionCacheEnv cacheEnv;
  private final JobMirrors mirrors;
  private final String startScript = resource("runner-start.sh");
  private final String startedHook = resource("job-started.sh");
  private final String completedHook = resource("job-completed.sh");
  /** Runners whose channel this bridge holds: after a restart a runner row without one has lost its runner. */
  private final Set<String> attached = ConcurrentHashMap.newKeySet();
  /** Set on shutdown: work cut short then is not an error worth a stack trace. */
  private volatile boolean stopping;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cde-github-launcher");
    t.setDaemon(true);
    return t;
  });

  public RunnerLauncher(SessionBroker broker, AgentLinks links, JitConfigClient jit, GithubJobStore store,
      SessionLogs logs, SigningKeys keys, RunnersConfig config, SessionConfig sessions, SessionCacheEnv cacheEnv,
      JobMirrors mirrors) {
    this.cacheEnv = cacheEnv;
    this.mirrors = mirrors;
    this.broker = broker;
    this.links = links;
    this.jit = jit;
    this.store = store;
    this.logs = logs;
    this.keys = keys;
    this.config = config;
    this.sessions = sessions;
  }

  /**
   * Creates the session and the runner's row at once (so the caller's count includes it), and brings the
   * runner up in the background.
   */
  public GithubRunner start(GithubJob forJob, int ordinal) {
    String name = "cde-" + forJob.jobId() + "-" + forJob.runAttempt() + (ordinal == 0 ? "" : "-" + (ordinal + 1));
    Session session = broker.create(sessionRequest(forJob));
    Instant now = Instant.now();
    GithubRunner runner = new GithubRunner(name, session.id(), forJob.repository(), forJob.labels(), forJob.labelKey(),
        forJob.jobId(), forJob.runAttempt(), null, null, GithubRunner.STARTING, null, now, now);
    if (!store.insertRunner(runner)) {
      broker.end(session.id(), "runner name " + name + " was already used");
      throw new IllegalStateException("runner name " + name + " is already used");
    }
    LOG.infof("github job %d attempt %d: runner %s on session %s (%s)", forJob.jobId(), forJob.runAttempt(), name,
        session.id(), forJob.labelError() == null ? "labels " + forJob.labels() : "to fail it: bad labels");
    if (forJob.labelError() == null) {
      // while the instance starts: by the time the runner checks out, the mirror has what GitHub has
      mirrors.refresh(name, forJob.repository());
    }
    workers.execute(() -> {
      try {
        bringUp(runner, forJob);
      } catch (RuntimeException e) {
        if (!stopping) {
          LOG.errorf(e, "github runner %s: bringing it up failed: %s", runner.name(), e.getMessage());
        }
      }
    });
    return runner;
  }

  private CreateSessionRequest sessionRequest(GithubJob job) {
    if (job.labelError() != null) {
      return new CreateSessionRequest(null, null, null, null, REFUSAL_DURATION);
    }
    return sessionRequest(GithubRunners.spec(job));
  }

  static CreateSessionRequest sessionRequest(JobSpec spec) {
    return new CreateSessionRequest(spec.template(), spec.cpu(), spec.memoryMb() + "m",
        spec.gpuType() == null ? null : spec.gpuType() + ":" + spec.gpuCount(), spec.timeout().toSeconds() + "s");
  }

  private void bringUp(GithubRunner runner, GithubJob job) {
    String sid = runner.sessionId();
    Session s = broker.awaitSettled(sid, sessions.connectTimeout().plus(Duration.ofMinutes(5)));
    if (s.state() != SessionState.RUNNING) {
      failed(runner, "the instance did not start: " + (s.endReason() == null ? s.state() : s.endReason()));
      return;
    }
    String[] ownerRepo = runner.repository().split("/", 2);
    JitRunner registration;
    try {
      registration = jit.generate(ownerRepo[0], ownerRepo[1], runner.name(), customLabels(runner.labels()));
    } catch (GithubApiException | IllegalStateException e) {
      failed(runner, "GitHub refused the JIT runner: " + e.getMessage());
      return;
    } catch (RuntimeException e) {
      failed(runner, "asking GitHub for a JIT runner failed: " + e.getMessage());
      return;
    }
    store.moveRunner(runner.name(), GithubRunner.STARTING, registration.runnerId(), null, null,
        List.of(GithubRunner.STARTING));
    List<String> argv = new ArrayList<>(List.of("sh", "-c", startScript, "cde-runner-start"));
    argv.addAll(config.command());
    try {
      Channel ch = links.open(sid, OpenRequest.exec(argv, runnerEnv(runner, job, registration), null))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      attached.add(runner.name());
      ch.handler(b -> logs.append(sid, b));
      ch.errHandler(b -> logs.append(sid, b));
      ch.exitHandler(status -> ended(runner, "runner " + status.describe()));
      ch.closeHandler(reason -> ended(runner, "runner channel closed: " + reason));
      store.moveRunner(runner.name(), GithubRunner.IDLE, null, null, null, List.of(GithubRunner.STARTING));
      logs.append(sid, Buffer.buffer("cde: runner " + runner.name() + " started for job " + job.jobId()
          + " of " + job.repository() + "\n"));
      LOG.infof("github runner %s: started on session %s, waiting for a job", runner.name(), sid);
    } catch (Exception e) {
      failed(runner, "starting the runner in the instance failed: " + SessionBroker.describe(e));
    }
  }

  /**
   * The job's labels as the runner's custom labels. {@code self-hosted} is one of the default labels GitHub
   * gives every self-hosted runner (with its OS and architecture), not a custom one.
   */
  static List<String> customLabels(List<String> jobLabels) {
    return jobLabels.stream().filter(l -> !l.strip().equalsIgnoreCase(LabelSpecParser.SELF_HOSTED)).toList();
  }

  /** Everything the runner and its hooks need. Secrets travel here, in the tunnel's OPEN, and nowhere else. */
  private Map<String, String> runnerEnv(GithubRunner runner, GithubJob job, JitRunner registration) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ACTIONS_RUNNER_INPUT_JITCONFIG", registration.encodedJitConfig());
    env.put("CDE_HOOK_TOKEN", TunnelTokens.issue(keys.privateKey(), HOOK_AUDIENCE, runner.sessionId(),
        Duration.ofSeconds(broker.get(runner.sessionId()).maxDurationSeconds()).plusMinutes(10)));
    env.put("CDE_CALLBACK_URL", InstanceCallbackUrl.get());
    // For `cde cache` and the cache service: the scope is the one recorded for this session at job start.
    env.putAll(cacheEnv.forSession(runner.sessionId(), broker.get(runner.sessionId()).maxDurationSeconds()));
    env.put("CDE_SESSION_ID", runner.sessionId());
    env.put("CDE_RUNNER_NAME", runner.name());
    env.put("CDE_HOOK_STARTED_SH", startedHook);
    env.put("CDE_HOOK_COMPLETED_SH", completedHook);
    env.putAll(mirrors.env(runner.name(), job.repository()));
    if (job.labelError() != null) {
      env.put("CDE_JOB_REFUSAL", job.labelError());
    }
    return env;
  }

  private void failed(GithubRunner runner, String reason) {
    LOG.warnf("github runner %s: %s", runner.name(), reason);
    int failures = store.launchFailed(runner.forJobId(), runner.forRunAttempt(), reason);
    store.moveRunner(runner.name(), GithubRunner.DONE, null, null, reason,
        List.of(GithubRunner.STARTING, GithubRunner.IDLE));
    // Give up before ending the session: its end makes the queue converge, which must not see the job
    // still queued and start one runner more than the limit.
    if (failures >= config.maxLaunchAttempts()) {
      store.moveJob(runner.forJobId(), runner.forRunAttempt(), GithubJob.GIVEN_UP, null,
          "gave up after " + failures + " failed launches; last: " + reason, List.of(GithubJob.QUEUED));
      LOG.errorf("github job %d attempt %d: gave up after %d failed launches: %s", runner.forJobId(),
          runner.forRunAttempt(), failures, reason);
    }
    broker.end(runner.sessionId(), reason);
  }

  /** The runner's process ended (or its channel went): the session has nothing left to do. */
  private void ended(GithubRunner runner, String reason) {
    if (!attached.remove(runner.name())) {
      return;
    }
    workers.execute(() -> {
      LOG.infof("github runner %s: %s; ending session %s", runner.name(), reason, runner.sessionId());
      broker.end(runner.sessionId(), reason);
    });
  }

  /** Ends the runner's session later, unless it ended by itself meanwhile (the runner uploads logs after its job). */
  public void endAfter(GithubRunner runner, Duration grace, String reason) {
    workers.execute(() -> {
      long deadline = System.nanoTime() + grace.toNanos();
      while (System.nanoTime() < deadline && !broker.get(runner.sessionId()).state().terminal()) {
        sleep(200);
      }
      if (!broker.get(runner.sessionId()).state().terminal()) {
        LOG.infof("github runner %s: %s; ending session %s", runner.name(), reason, runner.sessionId());
        broker.end(runner.sessionId(), reason);
      }
    });
  }

  /** Runs GitHub calls and waits off the caller's thread (which may be a webhook's or a session's end). */
  public void background(Runnable task) {
    workers.execute(task);
  }

  public boolean attached(String runnerName) {
    return attached.contains(runnerName);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String resource(String name) {
    try (InputStream in = RunnerLauncher.class.getResourceAsStream("/github/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource /github/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @PreDestroy
  void shutdown() {
    stopping = true;
    workers.shutdownNow();
  }
}
