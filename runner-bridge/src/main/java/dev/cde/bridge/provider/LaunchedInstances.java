package dev.cde.bridge.provider;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a provider knows of instances the platform gives no handle to (a Lambda invocation, a Function Compute or
 * Cloud Run request): launched when, for how long at most, stopped or not. Such an instance is RUNNING from its
 * launch until it was stopped or its platform's timeout passed, EXITED after; one this bridge process did not
 * launch is UNKNOWN (the platform cannot be asked).
 */
public final class LaunchedInstances {
  private record Entry(String sessionId, Instant deadline, boolean stopped) {
  }

  private final Map<String, Entry> instances = new ConcurrentHashMap<>();
  private final Clock clock;

  public LaunchedInstances(Clock clock) {
    this.clock = clock;
  }

  public void launched(String id, String sessionId, long maxSeconds) {
    instances.put(id, new Entry(sessionId, clock.instant().plusSeconds(maxSeconds), false));
  }

  /** The instances still running (launched, not stopped, within their platform's timeout). */
  public List<HeldInstance> held() {
    return instances.entrySet().stream().filter(e -> status(e.getKey()) == InstanceStatus.RUNNING)
        .map(e -> new HeldInstance(e.getKey(), e.getValue().sessionId())).sorted(
            java.util.Comparator.comparing(HeldInstance::instanceId)).toList();
  }

  /** @return false when the instance was already stopped or is unknown (stopping twice does nothing) */
  public boolean stopped(String id) {
    Entry e = instances.get(id);
    if (e == null || e.stopped()) {
      return false;
    }
    instances.put(id, new Entry(e.sessionId(), e.deadline(), true));
    return true;
  }

  public InstanceStatus status(String id) {
    Entry e = instances.get(id);
    if (e == null) {
      return InstanceStatus.UNKNOWN;
    }
    return e.stopped() || clock.instant().isAfter(e.deadline()) ? InstanceStatus.EXITED : InstanceStatus.RUNNING;
  }
}
