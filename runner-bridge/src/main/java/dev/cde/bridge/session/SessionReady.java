package dev.cde.bridge.session;

import java.time.Instant;

/**
 * Fired (synchronously, after the RUNNING state is stored) when a session's agent first answered: launch at
 * {@code launchedAt} on {@code provider}, ready at {@code readyAt}. For features that measure sessions (metrics)
 * without the broker knowing them.
 */
public record SessionReady(String sessionId, String provider, Instant launchedAt, Instant readyAt) {
}
