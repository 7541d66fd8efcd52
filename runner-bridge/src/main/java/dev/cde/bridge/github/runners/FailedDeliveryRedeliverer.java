package dev.cde.bridge.github.runners;

import dev.cde.bridge.github.api.GithubApiException;
import dev.cde.bridge.github.api.HookDeliveries;
import dev.cde.bridge.github.api.HookDelivery;
import dev.cde.bridge.github.webhook.DeliveryStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Asks GitHub to deliver again the App's {@code workflow_job} deliveries the webhook never took: those GitHub
 * got no 2xx for, whose event has no successful delivery since, and which the bridge has no record of (it may
 * have processed one and answered too late). Each event is redelivered at most once, by anyone: a redelivery
 * that fails too is a sign the bridge cannot take webhooks, and repeating it each pass would not help; the
 * reconciler's look at GitHub's queue still serves the jobs.
 *
 * <p>Idempotent across passes without a table: an attempt shows up in GitHub's list as a redelivery of the
 * same {@code guid}, and until it does (GitHub delivers it asynchronously) this bean remembers it.
 */
@ApplicationScoped
public class FailedDeliveryRedeliverer {
  private static final Logger LOG = Logger.getLogger(FailedDeliveryRedeliverer.class);
  static final String EVENT = "workflow_job";
  /**
   * Each pass reads back to where the previous one had decided everything, less this: a delivery can show up in
   * the list a little after deliveries GitHub attempted later (a delivery that ran into its 10 s timeout).
   */
  static final Duration OVERLAP = Duration.ofMinutes(10);

  private final HookDeliveries deliveries;
  private final DeliveryStore store;
  private final RunnersConfig config;
  /** guid → when its failed delivery happened; forgotten once GitHub no longer lists it. */
  private final Map<String, Instant> attempted = new HashMap<>();
  /** GitHub's time up to which every failure is decided (redelivered, repaired or not ours); null: none yet. */
  private Instant decidedUpTo;
  private boolean saidNeedsApp;

  public FailedDeliveryRedeliverer(HookDeliveries deliveries, DeliveryStore store, RunnersConfig config) {
    this.deliveries = deliveries;
    this.store = store;
    this.config = config;
  }

  /**
   * One pass over the deliveries GitHub attempted at or after {@code since} (and after what earlier passes
   * decided). At most {@code cde.github.runners.max-redeliveries-per-pass} are asked for, oldest first, so the
   * events of one job arrive again in their order; the rest wait for the next pass.
   *
   * @return the deliveries asked for again in this pass
   */
  public synchronized List<HookDelivery> redeliverFailed(Instant since) {
    if (!deliveries.available()) {
      if (!saidNeedsApp) {
        saidNeedsApp = true;
        LOG.info("github deliveries: failed webhook deliveries are not redelivered: that needs a GitHub App"
            + " (cde.github.app-id and its key, no cde.github.token); lost webhooks are still repaired from"
            + " GitHub's job queue");
      }
      return List.of();
    }
    attempted.values().removeIf(failedAt -> failedAt.isBefore(since));
    Instant from = decidedUpTo != null && decidedUpTo.isAfter(since) ? decidedUpTo : since;
    List<HookDelivery> listed = deliveries.since(from);

    Set<String> settled = new HashSet<>();
    for (HookDelivery d : listed) {
      if (d.succeeded() || d.redelivery()) {
        settled.add(d.guid());
      }
    }
    Map<String, HookDelivery> failed = new LinkedHashMap<>();
    listed.stream()
        .filter(d -> EVENT.equals(d.event()) && !settled.contains(d.guid()) && !attempted.containsKey(d.guid()))
        .sorted(Comparator.comparing(HookDelivery::deliveredAt).thenComparing(HookDelivery::id))
        .forEach(d -> failed.putIfAbsent(d.guid(), d));

    // Not in the filter above: one query per failure, and failures are few.
    List<HookDelivery> unseen = failed.values().stream().filter(d -> !store.processed(d.guid())).toList();
    int budget = config.maxRedeliveriesPerPass();
    List<HookDelivery> asked = unseen.subList(0, Math.min(budget, unseen.size()));
    Instant oldestLeft = unseen.size() > budget ? unseen.get(budget).deliveredAt() : null;
    for (HookDelivery d : asked) {
      if (redeliver(d)) {
        attempted.put(d.guid(), d.deliveredAt());
      } else if (oldestLeft == null || d.deliveredAt().isBefore(oldestLeft)) {
        oldestLeft = d.deliveredAt();
      }
    }
    if (unseen.size() > budget) {
      LOG.infof("github deliveries: %d more failed deliveries wait for the next pass"
          + " (cde.github.runners.max-redeliveries-per-pass=%d)", unseen.size() - budget, budget);
    }
    Instant newest = listed.stream().map(HookDelivery::deliveredAt).max(Comparator.naturalOrder()).orElse(null);
    Instant upTo = newest == null ? from : newest.minus(OVERLAP);
    if (oldestLeft != null && oldestLeft.isBefore(upTo)) {
      upTo = oldestLeft;
    }
    decidedUpTo = upTo.isAfter(from) ? upTo : from;
    return List.copyOf(asked);
  }

  /**
   * True when the attempt is settled: GitHub accepted it, or refused it for good (4xx). False when GitHub failed
   * (5xx, unreachable): the next pass asks again.
   */
  private boolean redeliver(HookDelivery d) {
    try {
      deliveries.redeliver(d.id());
      LOG.infof("github delivery %s: %s %s got %s at %s; asked GitHub to deliver it again", d.guid(), d.event(),
          d.action(), (d.statusCode() == 0 ? "no answer" : d.statusCode()) + " (" + d.status() + ")",
          d.deliveredAt());
      return true;
    } catch (GithubApiException e) {
      // GitHub's message with any bearer scrubbed (GithubClient); never the JWT itself.
      LOG.warnf("github delivery %s: redelivery failed: %s", d.guid(), e.getMessage());
      return e.githubStatus() >= 400 && e.githubStatus() < 500;
    }
  }
}
