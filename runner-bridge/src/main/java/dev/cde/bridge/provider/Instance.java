package dev.cde.bridge.provider;

import java.net.URI;

/**
 * A launched instance: its provider-specific id and the agent's tunnel WebSocket URL, or {@link #DIAL_OUT} for an
 * agent that dials the bridge itself (platforms that accept only request/response, docs/agent.md).
 */
public record Instance(String instanceId, URI tunnelEndpoint) {
  /** The endpoint scheme of an instance whose agent dials out: there is nothing for the bridge to dial. */
  public static final String DIAL_OUT = "dial-out";

  /** An instance whose agent will dial the bridge. */
  public static Instance dialingOut(String instanceId) {
    return new Instance(instanceId, URI.create(DIAL_OUT + ":" + instanceId));
  }

  public boolean dialsOut() {
    return DIAL_OUT.equals(tunnelEndpoint.getScheme());
  }
}
