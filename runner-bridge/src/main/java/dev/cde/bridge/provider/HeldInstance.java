package dev.cde.bridge.provider;

/**
 * An instance a provider holds, with the session it was launched for: what the reconciler compares with the
 * active sessions to find orphans (an instance whose session ended while the bridge was down, or never recorded).
 */
public record HeldInstance(String instanceId, String sessionId) {
}
