/**
 * The bridge's half of the tunnel: one connection to each instance's agent, and the client-facing
 * WebSocket whose channels are relayed onto it, each process given its session's cache token and the bridge's URL;
 * a session's terminals can be watched by other clients and, read-only, by non-tunnel viewers (TerminalViewer).
 * Knows sessions only by id; never GitHub or GitLab.
 */
package dev.cde.bridge.relay;
