/**
 * Sessions: one instance for one job or person — the state machine, its store, the broker that drives
 * it, the reconciler, the REST API and the metering of its timeline (launch, ready, job start and end, release)
 * with its cost under the active price table. Uses providers only through the SPI and the tunnel only through
 * {@link dev.cde.bridge.session.AgentConnector}. A cache scope given at creation is handed to the cache's index,
 * which owns it.
 */
package dev.cde.bridge.session;
