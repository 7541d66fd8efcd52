package dev.cde.bridge.github.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The GitHub App's own webhook deliveries ({@code /app/hook/deliveries}): what GitHub tried to deliver, with
 * what answer, and asking for one again. These endpoints accept only the App's JWT, so with a token (a
 * repository or organization webhook) there is nothing to read: see {@link #available()}.
 */
@Singleton
public class HookDeliveries {
  private static final Logger LOG = Logger.getLogger(HookDeliveries.class);
  static final String PATH = "/app/hook/deliveries";
  /**
   * 100 pages of 100: more than a busy App's deliveries between two passes. The cap keeps a first pass after a
   * long outage (three days of deliveries) from using up the App's rate limit in one go.
   */
  static final int MAX_PAGES = 100;

  private final GithubClient client;
  private final GithubCredentials credentials;

  @Inject
  public HookDeliveries(GithubClient client, GithubCredentials credentials) {
    this.client = client;
    this.credentials = credentials;
  }

  /** Whether the App's deliveries can be read: the bridge acts as an App, not with a token. */
  public boolean available() {
    return credentials.appInUse();
  }

  /**
   * Deliveries GitHub attempted at or after {@code since}, newest first. Reads pages (newest first, as GitHub
   * lists them) until one reaches back before {@code since}, or {@link #MAX_PAGES}. Not filtered by
   * {@code status}: a delivery GitHub got no answer for has status code 0, which neither filter value includes,
   * and the successful redeliveries are needed to know which failures were repaired.
   */
  public List<HookDelivery> since(Instant since) {
    String jwt = appJwt();
    List<HookDelivery> out = new ArrayList<>();
    Optional<String> next = Optional.of(PATH + "?per_page=100");
    for (int pages = 0; next.isPresent(); pages++) {
      if (pages == MAX_PAGES) {
        LOG.infof("github deliveries: read the newest %d; older ones since %s are not looked at this time",
            out.size(), since);
        break;
      }
      GithubClient.Page page = client.getPage(next.get(), jwt);
      boolean reachedSince = false;
      for (JsonNode d : page.body()) {
        HookDelivery delivery = delivery(d);
        if (delivery.deliveredAt().isBefore(since)) {
          reachedSince = true;
        } else {
          out.add(delivery);
        }
      }
      next = reachedSince || page.body().isEmpty() ? Optional.empty() : page.next();
    }
    return out;
  }

  /** Asks GitHub to deliver {@code delivery} again; GitHub answers 202 and delivers it soon after. */
  public void redeliver(long deliveryId) {
    client.send("POST", PATH + "/" + deliveryId + "/attempts", null, appJwt());
  }

  private String appJwt() {
    if (!available()) {
      // With a token too, these would be another webhook's deliveries than the one the bridge is told of.
      throw new IllegalStateException("the App's webhook deliveries need the App's credentials and no"
          + " cde.github.token");
    }
    return credentials.appJwt();
  }

  private static HookDelivery delivery(JsonNode d) {
    return new HookDelivery(d.path("id").asLong(), d.path("guid").asText(),
        Instant.parse(d.path("delivered_at").asText()), d.path("redelivery").asBoolean(false),
        d.path("status_code").asInt(0), d.path("status").asText(""), d.path("event").asText(""),
        d.path("action").isNull() ? null : d.path("action").asText(null));
  }
}
