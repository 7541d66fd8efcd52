package dev.cde.bridge.github.runners;

import dev.cde.bridge.github.api.RegisteredRunner;
import dev.cde.bridge.github.api.RunnerRegistry;
import dev.cde.bridge.github.labels.JobSpec;
import dev.cde.bridge.github.labels.LabelException;
import dev.cde.bridge.github.labels.LabelSpecParser;
import dev.cde.bridge.github.webhook.WorkflowJobEvent;
import dev.cde.bridge.github.webhook.WorkflowJobListener;
import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionEnded;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Keeps, per repository, as many runners waiting as there are queued jobs for each label set. GitHub gives a
 * job to any idle runner whose labels cover the job's, so runners are capacity for a label set rather than
 * promises to one job: a runner "stolen" by another job shows up as that job's {@code in_progress}, and the
 * next count starts a runner for the job left waiting. Every change to a repository's jobs or runners
 * happens under that repository's lock, and every step compares the stored state with what is wanted, so
 * a webhook delivered three times, or repeated by the reconciler, starts one runner.
 */
@ApplicationScoped
public class GithubRunners implements WorkflowJobListener {
  private static final Logger LOG = Logger.getLogger(GithubRunners.class);
  private static final List<String> OPEN = List.of(GithubJob.WAITING, GithubJob.QUEUED, GithubJob.GIVEN_UP);

  private final GithubJobStore store;
  private final RunnerLauncher launcher;
  private final RunnerPolicy policy;
  private final RunnerRegistry registry;
  private final SessionBroker broker;
  private final RunnersConfig config;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public GithubRunners(GithubJobStore store, RunnerLauncher launcher, RunnerPolicy policy, RunnerRegistry registry,
      SessionBroker broker, RunnersConfig config) {
    this.store = store;
    this.launcher = launcher;
    this.policy = policy;
    this.registry = registry;
    this.broker = broker;
    this.config = config;
  }

  @Override
  public void onJob(WorkflowJobEvent event, JobSpec spec, String labelError) {
    handle(event);
  }

  /** One report of a job, from a webhook or from the reconciler reading GitHub's API. */
  public void handle(WorkflowJobEvent e) {
    String repo = e.repository();
    boolean trim = false;
    synchronized (lock(repo)) {
      Optional<String> refusal = policy.refusal(repo, e.privateRepo());
      if (refusal.isPresent()) {
        if (store.insertJob(job(e, GithubJob.REFUSED, refusal.get()))) {
          LOG.warnf("github job %d attempt %d of %s: refused: %s", e.jobId(), e.runAttempt(), repo, refusal.get());
        }
        return;
      }
      switch (e.action()) {
        case "waiting" -> store.insertJob(job(e, GithubJob.WAITING, "waiting for an environment's approval"));
        case "queued" -> {
          if (!store.insertJob(job(e, GithubJob.QUEUED, null))) {
            store.moveJob(e.jobId(), e.runAttempt(), GithubJob.QUEUED, null, null, List.of(GithubJob.WAITING));
          }
        }
        case "in_progress" -> {
          if (!store.insertJob(job(e, GithubJob.IN_PROGRESS, null))) {
            store.moveJob(e.jobId(), e.runAttempt(), GithubJob.IN_PROGRESS, e.runnerName(), null, OPEN);
          }
          pair(e.runnerName(), e.jobId());
        }
        case "completed" -> {
          if (!store.insertJob(job(e, GithubJob.COMPLETED, null))) {
            List<String> from = new ArrayList<>(OPEN);
            from.add(GithubJob.IN_PROGRESS);
            store.moveJob(e.jobId(), e.runAttempt(), GithubJob.COMPLETED, e.runnerName(), null, from);
          }
          Optional<GithubRunner> runner = Optional.ofNullable(e.runnerName()).flatMap(store::runner)
              .filter(GithubRunner::live);
          if (runner.isPresent()) {
            pair(e.runnerName(), e.jobId());
            launcher.endAfter(runner.get(), config.completedGrace(), "its job " + e.jobId() + " completed");
          } else {
            trim = true; // cancelled before any runner took it: a runner waiting for its label set may be spare
          }
        }
        default -> {
          return;
        }
      }
      if (e.headBranch() != null || e.defaultBranch() != null) {
        store.recordBranches(e.jobId(), e.runAttempt(), e.headBranch(), e.defaultBranch());
      }
      if (e.workflowName() != null) {
        store.recordWorkflowName(e.jobId(), e.runAttempt(), e.workflowName());
      }
      converge(repo);
    }
    if (trim) {
      trimSpare(repo, Duration.ZERO);
    }
  }

  /**
   * The job as stored. Labels that do not parse, or ask for what the provider cannot run (a GPU type it does not
   * offer, more time than it allows), set {@code labelError}: the job is then failed with that reason in its log.
   */
  private GithubJob job(WorkflowJobEvent e, String status, String detail) {
    String labelError = null;
    try {
      labelError = broker.refusal(RunnerLauncher.sessionRequest(LabelSpecParser.parse(e.labels()))).orElse(null);
    } catch (LabelException ex) {
      labelError = ex.getMessage();
    }
    Instant now = Instant.now();
    return new GithubJob(e.jobId(), e.runAttempt(), e.repository(), e.runId(), e.jobName(), e.labels(),
        LabelSets.key(e.labels()), status, labelError, e.runnerName(), detail, 0, now, now);
  }

  /** Records that {@code runnerName}, if it is one of ours, took {@code jobId}. */
  private void pair(String runnerName, long jobId) {
    if (runnerName != null && store.moveRunner(runnerName, GithubRunner.BUSY, null, jobId, null,
        List.of(GithubRunner.STARTING, GithubRunner.IDLE))) {
      LOG.infof("github runner %s: took job %d", runnerName, jobId);
    }
  }

  /** Starts runners for the label sets that have more queued jobs than waiting runners, within the limit. */
  public void converge(String repo) {
    synchronized (lock(repo)) {
      List<GithubJob> queued = store.jobs(repo, List.of(GithubJob.QUEUED));
      if (queued.isEmpty()) {
        return;
      }
      List<GithubRunner> live = store.liveRunners(repo);
      Map<String, Integer> available = new LinkedHashMap<>();
      Set<String> jobsWithRunner = new HashSet<>();
      for (GithubRunner r : live) {
        if (r.available()) {
          available.merge(r.labelKey(), 1, Integer::sum);
          jobsWithRunner.add(r.forJobId() + "/" + r.forRunAttempt());
        }
      }
      Map<String, List<GithubJob>> byKey = new LinkedHashMap<>();
      queued.forEach(j -> byKey.computeIfAbsent(j.labelKey(), k -> new ArrayList<>()).add(j));
      int room = config.maxPerRepository() - live.size();
      for (Map.Entry<String, List<GithubJob>> entry : byKey.entrySet()) {
        List<GithubJob> jobs = new ArrayList<>(entry.getValue());
        // Name new runners after jobs that have none started for them, so names say what they were for.
        jobs.sort((a, b) -> Boolean.compare(jobsWithRunner.contains(a.jobId() + "/" + a.runAttempt()),
            jobsWithRunner.contains(b.jobId() + "/" + b.runAttempt())));
        int deficit = jobs.size() - available.getOrDefault(entry.getKey(), 0);
        for (int i = 0; i < deficit; i++) {
          GithubJob j = jobs.get(i);
          if (room <= 0) {
            String why = "waiting: " + repo + " has its limit of " + config.maxPerRepository() + " runners running";
            if (!why.equals(j.detail())) {
              store.moveJob(j.jobId(), j.runAttempt(), GithubJob.QUEUED, null, why, List.of(GithubJob.QUEUED));
              LOG.infof("github job %d attempt %d: %s", j.jobId(), j.runAttempt(), why);
            }
            continue;
          }
          try {
            launcher.start(j, store.runnersStartedFor(j.jobId(), j.runAttempt()));
            room--;
          } catch (RuntimeException ex) {
            LOG.errorf("github job %d attempt %d: could not start a runner: %s", j.jobId(), j.runAttempt(),
                ex.getMessage());
            store.launchFailed(j.jobId(), j.runAttempt(), ex.getMessage());
          }
        }
      }
    }
  }

  /**
   * Ends waiting runners that no queued job can use any more (a job cancelled before it ran, or served by
   * another runner), once GitHub confirms they are not busy. A runner can serve every job whose labels are a
   * subset of its own, so only those jobs count.
   */
  public void trimSpare(String repo, Duration minimumIdle) {
    List<GithubRunner> spare = new ArrayList<>();
    synchronized (lock(repo)) {
      List<GithubJob> queued = store.jobs(repo, List.of(GithubJob.QUEUED));
      Map<String, Integer> usable = new LinkedHashMap<>();
      Instant idleSince = Instant.now().minus(minimumIdle);
      for (GithubRunner r : store.liveRunners(repo)) {
        if (!GithubRunner.IDLE.equals(r.state()) || r.jobId() != null || r.updatedAt().isAfter(idleSince)) {
          continue;
        }
        int wanted = (int) queued.stream().filter(j -> covers(r.labelKey(), j.labelKey())).count();
        int used = usable.merge(r.labelKey(), 1, Integer::sum);
        if (used > wanted) {
          spare.add(r);
        }
      }
    }
    for (GithubRunner r : spare) {
      end(r, "no queued job left for its labels");
    }
  }

  /** Ends runners that took no job within the pickup timeout (the reconciler calls this). */
  public void endUnpicked() {
    Instant cutoff = Instant.now().minus(config.pickupTimeout());
    for (GithubRunner r : store.liveRunners()) {
      if (GithubRunner.IDLE.equals(r.state()) && r.jobId() == null && r.updatedAt().isBefore(cutoff)) {
        end(r, "took no job within " + config.pickupTimeout().toMinutes() + " min");
      }
    }
  }

  /** Ends an idle runner's session, unless GitHub says it is busy (it took a job we have not heard of yet). */
  private void end(GithubRunner r, String reason) {
    String[] ownerRepo = r.repository().split("/", 2);
    try {
      Optional<RegisteredRunner> registered = registry.findByName(ownerRepo[0], ownerRepo[1], r.name());
      if (registered.isPresent() && registered.get().busy()) {
        return;
      }
    } catch (RuntimeException ex) {
      LOG.warnf("github runner %s: cannot ask GitHub whether it is busy, leaving it: %s", r.name(), ex.getMessage());
      return;
    }
    if (store.moveRunner(r.name(), GithubRunner.DONE, null, null, reason, List.of(GithubRunner.IDLE))) {
      LOG.infof("github runner %s: %s; ending session %s", r.name(), reason, r.sessionId());
      broker.end(r.sessionId(), "runner " + reason);
    }
  }

  /** A session ended: its runner is done, its registration goes, and the queue may start another. */
  void sessionEnded(@Observes SessionEnded ended) {
    Optional<GithubRunner> found = store.runnerOfSession(ended.sessionId());
    if (found.isEmpty()) {
      return;
    }
    GithubRunner r = found.get();
    boolean unexpected = store.moveRunner(r.name(), GithubRunner.DONE, null, null,
        "session " + ended.state().name().toLowerCase(), List.of(GithubRunner.STARTING, GithubRunner.IDLE,
            GithubRunner.BUSY));
    if (unexpected && r.jobId() == null) {
      // It ended without taking a job (it crashed, or its instance died): count it against the job it was for.
      int failures = store.launchFailed(r.forJobId(), r.forRunAttempt(), "runner " + r.name() + " ended before taking a job");
      if (failures >= config.maxLaunchAttempts()) {
        store.moveJob(r.forJobId(), r.forRunAttempt(), GithubJob.GIVEN_UP, null,
            "gave up after " + failures + " runners ended without taking it", List.of(GithubJob.QUEUED));
      }
    }
    launcher.background(() -> {
      removeRegistration(r);
      converge(r.repository());
    });
  }

  private void removeRegistration(GithubRunner r) {
    Long runnerId = store.runner(r.name()).map(GithubRunner::runnerId).orElse(r.runnerId());
    if (runnerId == null) {
      return;
    }
    String[] ownerRepo = r.repository().split("/", 2);
    try {
      if (registry.remove(ownerRepo[0], ownerRepo[1], runnerId)) {
        LOG.infof("github runner %s: registration %d removed", r.name(), runnerId);
      }
    } catch (RuntimeException ex) {
      LOG.warnf("github runner %s: removing registration %d failed: %s", r.name(), runnerId, ex.getMessage());
    }
  }

  /** Whether a runner with label set {@code runnerKey} may take a job with label set {@code jobKey}. */
  static boolean covers(String runnerKey, String jobKey) {
    return new HashSet<>(Arrays.asList(runnerKey.split("\n"))).containsAll(Arrays.asList(jobKey.split("\n")));
  }

  /** The size a job's runner gets; only for jobs whose labels parse. */
  static JobSpec spec(GithubJob job) {
    return LabelSpecParser.parse(job.labels());
  }

  Object lock(String repo) {
    return locks.computeIfAbsent(repo.toLowerCase(java.util.Locale.ROOT), k -> new Object());
  }
}
