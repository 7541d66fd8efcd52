/**
 * The bridge's Prometheus metrics at {@code /q/metrics} (docs/metrics.md): what the features report as it happens
 * (queue wait, cache lookups) and what the session lifecycle and stored sessions say. Reads sessions; writes nothing.
 */
package dev.cde.bridge.metrics;
