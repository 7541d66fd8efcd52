package dev.cde.bridge.github.runners;

import dev.cde.bridge.github.api.GithubCredentials;
import dev.cde.bridge.github.api.JobLookup;
import dev.cde.bridge.github.api.WorkflowJob;
import dev.cde.bridge.github.labels.LabelSpecParser;
import dev.cde.bridge.github.webhook.DeliveryStore;
import dev.cde.bridge.github.webhook.WorkflowJobEvent;
import dev.cde.bridge.session.Session;
import dev.cde.bridge.session.SessionBroker;
import dev.cde.bridge.session.SessionEnded;
import dev.cde.bridge.session.SessionRecovery;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Repairs what webhooks missed, because losing some is normal: queued cde jobs the bridge never heard of get
 * runners; jobs GitHub finished while their webhook was lost are finished here too; runners whose session ended
 * or whose channel a restart lost are put right; runners that took no job end; a GitHub App's failed webhook
 * deliveries are asked for again. It acts only on differences between GitHub, the store and the sessions, so a
 * second run right after the first changes nothing.
 */
@ApplicationScoped
public class GithubRunnerReconciler {
  private static final Logger LOG = Logger.getLogger(GithubRunnerReconciler.class);
  /** A job's row this fresh was just written by a webhook; asking GitHub about it would only race that webhook. */
  private static final Duration SETTLE = Duration.ofSeconds(30);
  /** How long GitHub keeps (and can redeliver) a webhook delivery. */
  static final Duration GITHUB_KEEPS_DELIVERIES = Duration.ofDays(3);

  private final GithubCredentials credentials;
  private final GithubJobStore store;
  private final GithubRunners runners;
  private final RunnerLauncher launcher;
  private final RunnerPolicy policy;
  private final JobLookup lookup;
  private final SessionBroker broker;
  private final SessionRecovery recovery;
  private final RunnersConfig config;
  private final FailedDeliveryRedeliverer redeliverer;
  private final DeliveryStore deliveries;
  private final dev.cde.bridge.replica.Replica replica;
  private final dev.cde.bridge.session.SessionOwners owners;

  public GithubRunnerReconciler(GithubCredentials credentials, GithubJobStore store, GithubRunners runners,
      RunnerLauncher launcher, RunnerPolicy policy, JobLookup lookup, SessionBroker broker, SessionRecovery recovery,
      RunnersConfig config, FailedDeliveryRedeliverer redeliverer, DeliveryStore deliveries,
      dev.cde.bridge.replica.Replica replica, dev.cde.bridge.session.SessionOwners owners) {
    this.credentials = credentials;
    this.store = store;
    this.runners = runners;
    this.launcher = launcher;
    this.policy = policy;
    this.lookup = lookup;
    this.broker = broker;
    this.recovery = recovery;
    this.config = config;
    this.redeliverer = redeliverer;
    this.deliveries = deliveries;
    this.replica = replica;
    this.owners = owners;
  }

  @Scheduled(every = "${cde.github.runners.reconcile-every:60s}", delayed = "5s",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP, identity = "github-runner-reconciler")
  void run() {
    if (!credentials.configured() || !recovery.done() || !replica.leads()) {
      return; // with several replicas, only the leader compares GitHub's queue with the store
    }
    reconcile();
  }

  public synchronized void reconcile() {
    repairRunners();
    repairDeliveries();
    Set<String> repos = new LinkedHashSet<>(policy.exactRepositories());
    repos.addAll(store.activeRepositories());
    for (String repo : repos) {
      try {
        reconcile(repo);
      } catch (RuntimeException e) {
        LOG.warnf("github reconcile of %s failed: %s", repo, e.getMessage());
      }
    }
    runners.endUnpicked();
  }

  private void reconcile(String repo) {
    String[] ownerRepo = repo.split("/", 2);
    Boolean[] privateRepo = {null};
    for (WorkflowJob j : lookup.queuedJobs(ownerRepo[0], ownerRepo[1])) {
      if (!LabelSpecParser.wantsCde(j.labels()) || store.job(j.jobId(), j.runAttempt()).isPresent()) {
        continue;
      }
      if (privateRepo[0] == null) {
        privateRepo[0] = lookup.isPrivate(ownerRepo[0], ownerRepo[1]);
      }
      LOG.infof("github job %d attempt %d of %s: queued, but no webhook said so; serving it", j.jobId(),
          j.runAttempt(), repo);
      runners.handle(event("queued", j, repo, privateRepo[0]));
    }
    Instant settled = Instant.now().minus(SETTLE);
    for (GithubJob known : store.jobs(repo, List.of(GithubJob.QUEUED, GithubJob.IN_PROGRESS))) {
      if (known.updatedAt().isAfter(settled)) {
        continue;
      }
      WorkflowJob now = lookup.job(ownerRepo[0], ownerRepo[1], known.jobId());
      if (now.runAttempt() != known.runAttempt()) {
        continue; // a re-run: this attempt's end was reported under the new attempt's number
      }
      boolean moved = "completed".equals(now.status())
          || ("in_progress".equals(now.status()) && GithubJob.QUEUED.equals(known.status()));
      if (moved) {
        LOG.infof("github job %d attempt %d of %s: %s on GitHub, but no webhook said so", known.jobId(),
            known.runAttempt(), repo, now.status());
        // The policy passed when the job was stored; the reported visibility only matters for new jobs.
        runners.handle(event(now.status(), now, repo, true));
      }
    }
    runners.converge(repo);
    runners.trimSpare(repo, config.completedGrace());
  }

  /**
   * Asks GitHub again for the webhooks the bridge missed (a GitHub App only) and forgets deliveries older than
   * {@code delivery-retention}, never younger than what GitHub could still redeliver.
   */
  private void repairDeliveries() {
    Instant now = Instant.now();
    try {
      redeliverer.redeliverFailed(now.minus(GITHUB_KEEPS_DELIVERIES));
    } catch (RuntimeException e) {
      LOG.warnf("github deliveries: redelivering failed webhook deliveries failed: %s", e.getMessage());
    }
    Duration keep = config.deliveryRetention().compareTo(GITHUB_KEEPS_DELIVERIES) < 0 ? GITHUB_KEEPS_DELIVERIES
        : config.deliveryRetention();
    try {
      int pruned = deliveries.pruneOlderThan(now.minus(keep));
      if (pruned > 0) {
        LOG.debugf("github deliveries: pruned %d rows older than %s", pruned, keep);
      }
    } catch (RuntimeException e) {
      LOG.warnf("github deliveries: pruning failed: %s", e.getMessage());
    }
  }

  /**
   * Runners whose session ended unseen (e.g. across a restart), or whose channel a restart took. A runner holds its
   * channel on the replica that owns its session: only that replica's (or, once adopted, this one's) lack of it
   * means the channel is lost.
   */
  private void repairRunners() {
    Instant lostBefore = Instant.now().minus(Duration.ofMinutes(6));
    for (GithubRunner r : store.liveRunners()) {
      Optional<Session> s = Optional.of(r.sessionId()).map(id -> {
        try {
          return broker.get(id);
        } catch (RuntimeException e) {
          return null;
        }
      });
      if (s.isEmpty() || s.get().state().terminal()) {
        runners.sessionEnded(new SessionEnded(r.sessionId(),
            s.map(Session::state).orElse(dev.cde.bridge.session.SessionState.ENDED)));
      } else if (!launcher.attached(r.name()) && owners.mine(r.sessionId())
          && (!GithubRunner.STARTING.equals(r.state()) || r.createdAt().isBefore(lostBefore))) {
        LOG.warnf("github runner %s: this bridge holds no channel to it (restarted?); ending session %s", r.name(),
            r.sessionId());
        broker.end(r.sessionId(), "the bridge lost the runner's channel");
      }
    }
  }

  private static WorkflowJobEvent event(String action, WorkflowJob j, String repo, boolean privateRepo) {
    return new WorkflowJobEvent(action, j.jobId(), j.runId(), j.runAttempt(), j.name(), j.labels(), repo, privateRepo,
        j.runnerName(), null, null, null);
  }
}
