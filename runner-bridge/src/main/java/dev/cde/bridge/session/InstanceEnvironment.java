package dev.cde.bridge.session;

import java.time.Duration;
import java.util.Map;

/**
 * Adds to the environment of a session's agent (and so of every process in the instance). Features such as the
 * caches implement it, so the session package need not know them.
 */
public interface InstanceEnvironment {
  /** @param lifetime how long the session may last: tokens handed out here should not outlive it by much */
  Map<String, String> forSession(String sessionId, Duration lifetime);
}
