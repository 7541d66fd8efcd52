package dev.cde.bridge.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A sandboxed instance lives as long as its session, whatever thread launched it. bubblewrap's
 * {@code --die-with-parent} kills the sandbox when the <em>thread</em> that forked it ends; before the provider forked
 * from a thread of its own, a session worker retiring after 60 s idle took its instances with it (found by
 * bench/load.sh: 55 of 125 runners lost their instance a minute after starting). The flag is gone since instances
 * outlive a bridge crash; this keeps it from coming back with a forking thread that ends.
 */
@QuarkusTest
class LocalInstanceLifetimeTest {
  @Inject
  LocalProvider provider;
  @Inject
  dev.cde.bridge.session.SessionStore sessions;
  @Inject
  dev.cde.bridge.session.SessionOwners owners;

  @Test
  void aSandboxedInstanceOutlivesTheThreadThatLaunchedIt() throws Exception {
    assumeTrue(Sandbox.bwrapOnPath() && Sandbox.bwrapWorks(), "bubblewrap is not usable here (.ci/run installs it)");
    assumeTrue(provider.sandboxed(), "the provider runs without a sandbox (cde.local.sandbox)");
    String id = "s-lifetime" + Long.toString(System.nanoTime() % 100000, 36);
    // A session of this replica's that is starting, as the broker records one before it launches: the reconciler's
    // orphan sweep keeps its instance (it stops instances whose session is unknown or over).
    InstanceSpec spec = new InstanceSpec("default", 1, 512, null, 0, 600);
    dev.cde.bridge.session.Session session = dev.cde.bridge.session.Session.pending(id, spec, java.time.Instant.now());
    owners.claimNew(id);
    sessions.insert(session);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread launcher = new Thread(() -> {
      try {
        provider.launch(new LaunchRequest(id, spec, Map.of()));
      } catch (Throwable e) {
        failed.set(e);
      }
    }, "short-lived-launcher");
    launcher.start();
    launcher.join();
    try {
      assertThat(failed.get()).isNull();
      Thread.sleep(1500); // the kernel's SIGKILL to an orphaned sandbox is immediate; give it time to show
      assertThat(provider.status(id)).isEqualTo(InstanceStatus.RUNNING);
    } finally {
      provider.stop(id);
      sessions.update(session.finished(dev.cde.bridge.session.SessionState.ENDED, java.time.Instant.now(), "test over",
          dev.cde.bridge.cost.CostBreakdown.zero("local/default", "USD")), dev.cde.bridge.session.SessionState.PENDING);
    }
  }
}
