package dev.cde.bridge.provider.aliyunfc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.ProviderException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;

/**
 * The Function Compute 3.0 API calls the provider makes (API version 2023-03-30, ROA style, JSON bodies), each signed
 * with {@link Acs3Signer}. Reference: https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-getfunction
 * and its siblings (CreateFunction, UpdateFunction, GetTrigger, CreateTrigger).
 */
final class FcClient {
  private final CloudApi api = new CloudApi("Function Compute");
  private final URI endpoint;
  private final AliyunCredentials credentials;
  private final Clock clock;

  FcClient(URI endpoint, AliyunCredentials credentials, Clock clock) {
    this.endpoint = endpoint;
    this.credentials = credentials;
    this.clock = clock;
  }

  /** GetFunction; empty when there is no such function (404 FunctionNotFound). */
  Optional<JsonNode> function(String name) throws ProviderException {
    return getOrEmpty("/2023-03-30/functions/" + seg(name), "GetFunction", "GetFunction(" + name + ")");
  }

  JsonNode createFunction(ObjectNode body) throws ProviderException {
    return api.call(request("POST", "/2023-03-30/functions", "CreateFunction", body.toString()),
        "CreateFunction(" + body.path("functionName").asText() + ")");
  }

  JsonNode updateFunction(String name, ObjectNode body) throws ProviderException {
    ObjectNode update = body.deepCopy();
    update.remove("functionName");
    return api.call(request("PUT", "/2023-03-30/functions/" + seg(name), "UpdateFunction", update.toString()),
        "UpdateFunction(" + name + ")");
  }

  /** GetTrigger; empty when the function has no such trigger (404 TriggerNotFound). */
  Optional<JsonNode> trigger(String function, String trigger) throws ProviderException {
    return getOrEmpty("/2023-03-30/functions/" + seg(function) + "/triggers/" + seg(trigger), "GetTrigger",
        "GetTrigger(" + function + "/" + trigger + ")");
  }

  JsonNode createTrigger(String function, ObjectNode body) throws ProviderException {
    return api.call(request("POST", "/2023-03-30/functions/" + seg(function) + "/triggers", "CreateTrigger",
        body.toString()), "CreateTrigger(" + function + ")");
  }

  private Optional<JsonNode> getOrEmpty(String path, String action, String call) throws ProviderException {
    CloudApi.Answer a = api.send(request("GET", path, action, ""), call);
    if (a.status() == 404) {
      return Optional.empty();
    }
    if (!a.ok()) {
      throw api.failure(call, a);
    }
    return Optional.of(a.body());
  }

  private HttpRequest request(String method, String path, String action, String body) {
    URI uri = endpoint.resolve(path);
    String contentType = body.isEmpty() ? null : "application/json";
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, body.isEmpty()
        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    Acs3Signer.sign(method, uri, action, body, contentType, credentials, clock.instant()).forEach(b::header);
    return b.build();
  }

  private static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
