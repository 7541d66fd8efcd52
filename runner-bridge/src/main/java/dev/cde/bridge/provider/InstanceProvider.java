package dev.cde.bridge.provider;

/**
 * Where instances run. Methods block; the bridge calls them from worker threads only. A new provider
 * is one {@code @ApplicationScoped} bean in its own package, selected by {@code cde.provider.name}.
 */
public interface InstanceProvider {
  /** The value of {@code cde.provider.name} that selects this provider. */
  String name();

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
}
