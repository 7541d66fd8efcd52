package dev.cde.bridge.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.bridge.github.labels.JobSpec;
import dev.cde.bridge.github.labels.LabelException;
import dev.cde.bridge.github.labels.LabelSpecParser;
import dev.cde.bridge.problem.InvalidRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * GitHub's webhook. Outside {@code /api/v1}, so the API token does not apply: the HMAC signature is the
 * authentication. The body is taken as bytes because the signature covers the exact bytes GitHub sent.
 */
@Path("/github/webhook")
public class WebhookResource {
  private static final Logger LOG = Logger.getLogger(WebhookResource.class);
  /** Lenient on purpose (unlike the API): GitHub adds fields without notice. */
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Set<String> HANDLED_ACTIONS = Set.of("queued", "waiting", "in_progress", "completed");

  private final WebhookSecret secret;
  private final DeliveryStore deliveries;
  private final WorkflowJobDispatcher dispatcher;

  public WebhookResource(WebhookSecret secret, DeliveryStore deliveries, WorkflowJobDispatcher dispatcher) {
    this.secret = secret;
    this.deliveries = deliveries;
    this.dispatcher = dispatcher;
  }

  @POST
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  public Response receive(byte[] body, @HeaderParam("X-GitHub-Event") String event,
      @HeaderParam("X-GitHub-Delivery") String delivery, @HeaderParam(WebhookSignature.HEADER) String signature) {
    // Authenticate first: an unsigned caller learns nothing about what else is wrong with its request.
    WebhookSignature.verify(secret.get(), body == null ? new byte[0] : body, signature);
    if (delivery == null || delivery.isBlank() || delivery.length() > 64) {
      throw new InvalidRequestException("missing or overlong X-GitHub-Delivery header (GitHub sends a GUID)");
    }
    if (event == null || event.isBlank()) {
      throw new InvalidRequestException("missing X-GitHub-Event header");
    }
    return switch (event) {
      case "ping" -> {
        LOG.infof("github delivery %s: ping", delivery);
        yield Response.ok(Map.of("pong", true)).build();
      }
      case "workflow_job" -> workflowJob(delivery, parse(body));
      default -> {
        LOG.infof("github delivery %s: event %s ignored", delivery, event);
        yield Response.ok(Map.of("ignored", "event " + event)).build();
      }
    };
  }

  private Response workflowJob(String delivery, JsonNode payload) {
    WorkflowJobEvent job = WorkflowJobEvent.from(payload);
    String outcome;
    Response response;
    if (!HANDLED_ACTIONS.contains(job.action())) {
      outcome = "ignored (action)";
      response = Response.ok(Map.of("ignored", "action " + job.action())).build();
    } else if (!LabelSpecParser.wantsCde(job.labels())) {
      // Not ours (a GitHub-hosted or another self-hosted pool's job): not stored, not dispatched.
      outcome = "ignored (labels)";
      response = Response.ok(Map.of("ignored", "labels do not ask for cde")).build();
    } else if (!deliveries.firstDelivery(delivery)
        || !deliveries.firstJobEvent(job.jobId(), job.runAttempt(), job.action())) {
      outcome = "duplicate";
      response = Response.ok(Map.of("duplicate", true)).build();
    } else {
      JobSpec spec = null;
      String labelError = null;
      try {
        spec = LabelSpecParser.parse(job.labels());
      } catch (LabelException e) {
        labelError = e.getMessage();
      }
      outcome = labelError == null ? "accepted" : "accepted (bad labels)";
      dispatcher.dispatch(job, spec, labelError);
      response = Response.accepted(Map.of("accepted", true)).build();
    }
    LOG.infof("github delivery %s: workflow_job job=%d attempt=%d action=%s repo=%s -> %s", delivery, job.jobId(),
        job.runAttempt(), job.action(), job.repository(), outcome);
    return response;
  }

  private static JsonNode parse(byte[] body) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (IOException e) {
      // Falls through to the same answer: the detail of a parser error helps nobody here.
    }
    throw new InvalidRequestException("the body is not a JSON object: set the webhook's content type to"
        + " application/json");
  }
}
