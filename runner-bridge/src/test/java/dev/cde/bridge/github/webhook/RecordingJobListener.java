package dev.cde.bridge.github.webhook;

import dev.cde.bridge.github.labels.JobSpec;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for provisioning in tests: records every dispatch, and can hold the worker to prove the answer did not
 * wait. Tests of the real provisioning set {@code test.real-github=true} to look it past.
 */
@IfBuildProperty(name = "test.real-github", stringValue = "false", enableIfMissing = true)
@Alternative
@Priority(1)
@ApplicationScoped
public class RecordingJobListener implements WorkflowJobListener {
  record Call(WorkflowJobEvent event, JobSpec spec, String labelError, String thread) {
  }

  // Reached through methods only: tests hold a client proxy, whose own fields are not the bean's.
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch gate;

  /** When set, each call waits for the latch before recording; null lets calls through. */
  void gate(CountDownLatch latch) {
    gate = latch;
  }

  List<Call> all() {
    return List.copyOf(calls);
  }

  @Override
  public void onJob(WorkflowJobEvent event, JobSpec spec, String labelError) {
    CountDownLatch g = gate;
    if (g != null) {
      try {
        g.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    calls.add(new Call(event, spec, labelError, Thread.currentThread().getName()));
  }

  List<Call> forJob(long jobId) {
    return calls.stream().filter(c -> c.event().jobId() == jobId).toList();
  }
}
