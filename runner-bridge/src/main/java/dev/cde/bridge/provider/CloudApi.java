package dev.cde.bridge.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The JSON-over-HTTPS calls the cloud providers make (java.net.http and Jackson: their official SDKs are either
 * heavy — Alibaba's and Google's pull whole HTTP and gRPC stacks — or, for AWS, used only for signing and
 * credentials). An error answer becomes a {@link ProviderException} naming the call, the status and the
 * provider's own error code and message; request headers (signatures, tokens) never appear in it.
 */
public final class CloudApi {
  public static final ObjectMapper JSON = new ObjectMapper();
  private final String provider;

  public CloudApi(String provider) {
    this.provider = provider;
  }

  /**
   * One client for every provider, made on first use: each java.net.http client keeps a selector thread, which a
   * bridge running another provider should not carry.
   */
  private static final class Shared {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** A parsed answer: its status and JSON body ({@link MissingNode} when it had none). */
  public record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    public boolean ok() {
      return status / 100 == 2;
    }
  }

  /** Sends {@code request}; any status is returned, only a network failure throws. */
  public Answer send(HttpRequest request, String call) throws ProviderException {
    HttpResponse<String> r;
    try {
      r = Shared.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new ProviderException(provider + " " + call + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(provider + " " + call + " interrupted", e);
    }
    JsonNode body;
    try {
      body = r.body() == null || r.body().isBlank() ? MissingNode.getInstance() : JSON.readTree(r.body());
    } catch (IOException notJson) {
      body = MissingNode.getInstance();
    }
    return new Answer(r.statusCode(), body, r);
  }

  /** Like {@link #send}, but anything other than 2xx is a {@link ProviderException}. */
  public JsonNode call(HttpRequest request, String call) throws ProviderException {
    Answer a = send(request, call);
    if (!a.ok()) {
      throw failure(call, a);
    }
    return a.body();
  }

  public ProviderException failure(String call, Answer a) {
    return new ProviderException(provider + " " + call + " failed: HTTP " + a.status() + errorOf(a));
  }

  /**
   * The provider's error code and message, from the shapes their API references document: Alibaba
   * {@code {"Code","Message"}}, AWS {@code x-amzn-ErrorType} and {@code {"message"}} (or {@code "Message"}),
   * Google {@code {"error":{"status","message"}}}.
   */
  static String errorOf(Answer a) {
    JsonNode b = a.body();
    String code = first(b.path("Code"), b.path("error").path("status"), b.path("__type"));
    if (code == null) {
      code = a.raw().headers().firstValue("x-amzn-ErrorType").map(t -> t.replaceFirst(":.*", "")).orElse(null);
    }
    String message = first(b.path("Message"), b.path("message"), b.path("error").path("message"));
    return (code == null ? "" : " " + code) + (message == null ? "" : ": " + message);
  }

  private static String first(JsonNode... nodes) {
    for (JsonNode n : nodes) {
      if (n.isTextual() && !n.asText().isBlank()) {
        return n.asText();
      }
    }
    return null;
  }
}
