package dev.cde.bridge.provider;

import java.util.List;
import java.util.Optional;

/**
 * Where instances run. Methods block; the bridge calls them from worker threads only. A new provider
 * is one {@code @ApplicationScoped} bean in its own package, selected by {@code cde.provider.name}.
 * Every provider passes the conformance suite ({@code ProviderConformance} in the bridge's tests).
 */
public interface InstanceProvider {
  /** The value of {@code cde.provider.name} that selects this provider. */
  String name();

  /** The most one instance can have here; {@link #check} refuses a spec beyond it. */
  default ProviderLimits limits() {
    return ProviderLimits.NONE;
  }

  /**
   * Refuses, before anything is launched, a spec this provider cannot meet; the message names what is over
   * which limit and reaches the user (the REST API's 400, the GitHub job's log). {@link #launch} checks again.
   */
  default void check(InstanceSpec spec) throws SpecRefusedException {
    limits().check(name(), spec);
  }

  /** Starts an instance and returns once its tunnel endpoint accepts connections. */
  Instance launch(LaunchRequest request) throws ProviderException;

  /** Stops the instance and frees what it held; stopping an unknown or stopped instance does nothing. */
  void stop(String instanceId);

  InstanceStatus status(String instanceId);

  /**
   * True when this provider's agents dial the bridge ({@link Instance#dialingOut}): the bridge then adds the dial
   * URL and the session's dial token to the agent's environment before {@link #launch}.
   */
  default boolean dialsOut() {
    return false;
  }

  /**
   * True when every instance starts with one environment the operator deployed (a function or a service), so
   * {@link LaunchRequest#env()} cannot reach the agent: the bridge then sends those variables with its first
   * connection to the instance (the {@code X-Cde-Session-Env} header), which also binds the agent to the session.
   */
  default boolean sharesEnvironment() {
    return false;
  }

  /**
   * Why an instance whose status is {@link InstanceStatus#EXITED} ended, where the provider knows (an OOM kill, an
   * eviction): it becomes the session's end reason, which the job log shows.
   */
  default Optional<String> exitReason(String instanceId) {
    return Optional.empty();
  }

  /**
   * Every instance this provider holds for this bridge, running or not yet cleaned up, with its session:
   * the reconciler stops those whose session is no longer active.
   */
  List<HeldInstance> instances();
}
