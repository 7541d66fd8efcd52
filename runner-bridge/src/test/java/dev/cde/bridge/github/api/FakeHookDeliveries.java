package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.time.Instant;
import java.util.List;

/**
 * The App's webhook deliveries as GitHub serves them: pages of 100 at most, newest first, chained by a
 * {@code cursor} in the {@code Link} header; every field GitHub's OpenAPI description requires of a
 * {@code hook-delivery-item}. Redelivery requests are answered 202, as GitHub does.
 */
public final class FakeHookDeliveries {
  public static final String LIST = "/app/hook/deliveries?per_page=100";
  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeHookDeliveries() {
  }

  /** One delivery; {@code statusCode} 0 is how GitHub lists a delivery that got no answer. */
  public static ObjectNode delivery(long id, String guid, Instant deliveredAt, boolean redelivery, int statusCode,
      String event, String action) {
    ObjectNode d = JSON.createObjectNode();
    d.put("id", id);
    d.put("guid", guid);
    d.put("delivered_at", deliveredAt.toString());
    d.put("redelivery", redelivery);
    d.put("duration", statusCode == 0 ? 10.0 : 0.05);
    d.put("status", statusCode == 0 ? "timed out"
        : statusCode >= 200 && statusCode < 300 ? "OK" : "Invalid HTTP Response: " + statusCode);
    d.put("status_code", statusCode);
    d.put("event", event);
    d.put("action", action);
    d.put("installation_id", 7);
    d.put("repository_id", 9);
    d.putNull("throttled_at");
    return d;
  }

  /**
   * Serves {@code pages} (each newest first) at {@link #LIST} and {@code &cursor=c1}, {@code c2} …, each but the
   * last linking to the next one.
   */
  public static void stubPages(WireMockServer server, List<List<ObjectNode>> pages) {
    for (int i = 0; i < pages.size(); i++) {
      ArrayNode body = JSON.createArrayNode();
      pages.get(i).forEach(body::add);
      String url = i == 0 ? LIST : LIST + "&cursor=c" + i;
      String links = "<" + server.baseUrl() + LIST + ">; rel=\"first\"";
      if (i + 1 < pages.size()) {
        links = "<" + server.baseUrl() + LIST + "&cursor=c" + (i + 1) + ">; rel=\"next\", " + links;
      }
      ResponseDefinitionBuilder answer = okJson(body.toString()).withHeader("Link", links);
      server.stubFor(get(urlEqualTo(url)).willReturn(answer));
    }
    server.stubFor(post(urlPathMatching("/app/hook/deliveries/[0-9]+/attempts"))
        .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json").withBody("{}")));
  }
}
