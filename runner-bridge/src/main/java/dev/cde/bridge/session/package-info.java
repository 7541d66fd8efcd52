/**
 * Sessions: one instance for one job or person — the state machine, its store, the broker that drives
 * it, the reconciler and the REST API. Uses providers only through the SPI and the tunnel only through {@link dev.cde.bridge.session.AgentConnector}.
 */
package dev.cde.bridge.session;
