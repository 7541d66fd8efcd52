/**
 * The {@code kubernetes} provider: one pod (and one Secret with its agent's env) per session, in one namespace,
 * through fabric8's client. Owns the pods and secrets labelled {@code cde.dev/session}; must not touch sessions,
 * the store or the tunnel.
 */
package dev.cde.bridge.provider.kubernetes;
