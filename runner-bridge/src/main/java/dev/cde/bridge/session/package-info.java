/**
 * Sessions: one instance for one job or person — the state machine, its store, the broker that drives
 * it, the reconciler and the REST API. Uses providers only through the SPI and the tunnel only through {@link dev.cde.bridge.session.AgentConnector}. A cache
 * scope given at creation is handed to the cache's index, which owns it.
 */
package dev.cde.bridge.session;
