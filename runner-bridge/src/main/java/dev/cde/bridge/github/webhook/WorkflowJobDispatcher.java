package dev.cde.bridge.github.webhook;

import dev.cde.bridge.github.labels.JobSpec;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

/**
 * Hands accepted jobs to the {@link WorkflowJobListener} on a Vert.x worker thread: GitHub waits at most 10 s
 * for its answer and counts a slow one as failed, while provisioning takes longer than that.
 */
@ApplicationScoped
public class WorkflowJobDispatcher {
  private static final Logger LOG = Logger.getLogger(WorkflowJobDispatcher.class);

  private final Vertx vertx;
  private final Instance<WorkflowJobListener> listeners;

  public WorkflowJobDispatcher(Vertx vertx, Instance<WorkflowJobListener> listeners) {
    this.vertx = vertx;
    this.listeners = listeners;
  }

  public void dispatch(WorkflowJobEvent event, JobSpec spec, String labelError) {
    if (!listeners.isResolvable()) {
      // Until the lead wires provisioning (or in a bridge without GitHub support) nothing consumes jobs.
      LOG.infof("github job %d %s: no WorkflowJobListener, dropped", event.jobId(), event.action());
      return;
    }
    WorkflowJobListener listener = listeners.get();
    // Unordered: one slow job must not hold up the next one.
    vertx.executeBlocking(() -> {
      listener.onJob(event, spec, labelError);
      return null;
    }, false).onFailure(e -> LOG.errorf(e, "github job %d %s: listener failed: %s", event.jobId(), event.action(),
        e.getMessage()));
  }
}
