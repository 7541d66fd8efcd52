/**
 * The in-instance agent: serves the tunnel, checks bridge-signed tokens, runs exec/pty/tcp channels, reports the instance.
 * Depends on the tunnel module only: no Quarkus, no bridge code, so that it starts in well under a second.
 */
package dev.cde.agent;
