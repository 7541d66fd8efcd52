/**
 * The {@code local} provider: each instance is the agent as a child process, sandboxed with bubblewrap
 * where it works. Owns {@code <cde.home>/instances}; must not touch sessions, the store or the tunnel.
 */
package dev.cde.bridge.provider.local;
