package dev.cde.bridge.session;

/**
 * Fired (synchronously, after the final state is stored) when a session reaches ENDED or FAILED, so the
 * features built on sessions (logs, GitHub runners) can clean up without the broker knowing them.
 */
public record SessionEnded(String sessionId, SessionState state) {
}
