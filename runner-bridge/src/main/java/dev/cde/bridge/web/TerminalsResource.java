package dev.cde.bridge.web;

import dev.cde.bridge.relay.AgentLinks;
import dev.cde.bridge.relay.TerminalInfo;
import dev.cde.bridge.session.SessionBroker;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /api/v1/sessions/{id}/terminals}: the terminals one may watch ({@code .../terminal?name=}). */
@Path("/api/v1/sessions/{id}/terminals")
@Produces(MediaType.APPLICATION_JSON)
public class TerminalsResource {
  private final SessionBroker broker;
  private final AgentLinks links;

  public TerminalsResource(SessionBroker broker, AgentLinks links) {
    this.broker = broker;
    this.links = links;
  }

  @GET
  public List<TerminalInfo> list(@PathParam("id") String id) {
    return links.terminals(broker.get(id).id());
  }
}
