package dev.cde.bridge.replica;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "cde.replica")
public interface ReplicaConfig {
  /** This replica's name in the {@code leases} table; unset: {@code <hostname>-<pid>}. Unique per replica. */
  Optional<String> id();

  /** How long a lease (leadership, a heartbeat) holds without renewal: the longest a dead leader blocks others. */
  @WithDefault("15s")
  Duration leaseDuration();

  /** How often this replica renews its heartbeat and tries to lead; well under {@code lease-duration}. */
  @WithDefault("5s")
  String renewEvery();
}
