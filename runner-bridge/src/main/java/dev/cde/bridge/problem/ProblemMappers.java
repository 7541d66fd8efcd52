package dev.cde.bridge.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaving a REST resource becomes a problem document. */
public class ProblemMappers {
  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  @ServerExceptionMapper
  public Response api(ApiException e) {
    return e.problem().toResponse();
  }

  @ServerExceptionMapper
  public Response unknownField(UnrecognizedPropertyException e) {
    return Problem.of(400, "Invalid request", "unknown field '" + e.getPropertyName() + "'; known fields: "
        + e.getKnownPropertyIds()).toResponse();
  }

  @ServerExceptionMapper
  public Response badJson(JsonProcessingException e) {
    return Problem.of(400, "Invalid request", "malformed JSON body: " + e.getOriginalMessage()).toResponse();
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    // JSON errors arrive wrapped by the body reader.
    if (e.getCause() instanceof UnrecognizedPropertyException u) {
      return unknownField(u);
    }
    if (e.getCause() instanceof JsonProcessingException j) {
      return badJson(j);
    }
    return Problem.of(status, Response.Status.fromStatusCode(status) == null ? "Error"
        : Response.Status.fromStatusCode(status).getReasonPhrase(), e.getMessage()).toResponse();
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e) {
    LOG.errorf(e, "unexpected error: %s", e.getMessage());
    return Problem.of(500, "Internal error", e.getClass().getSimpleName() + ": " + e.getMessage()).toResponse();
  }
}
