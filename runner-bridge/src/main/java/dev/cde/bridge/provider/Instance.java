package dev.cde.bridge.provider;

import java.net.URI;

/** A launched instance: its provider-specific id and the agent's tunnel WebSocket URL. */
public record Instance(String instanceId, URI tunnelEndpoint) {
}
