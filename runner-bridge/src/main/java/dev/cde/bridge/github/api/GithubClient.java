package dev.cde.bridge.github.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * One HTTP call to GitHub's REST API, with GitHub's headers, its error format and its rate limits.
 *
 * <p>Plain {@code java.net.http} rather than a Quarkus REST Client: the base URL is runtime configuration (GitHub
 * Enterprise Server lives under {@code /api/v3}) and the bearer differs per call (an App JWT for the installation
 * endpoints, an installation token per repository), both awkward to express in a declarative client. Retries are
 * custom rather than SmallRye Fault Tolerance because the wait comes from GitHub's answer ({@code Retry-After},
 * {@code x-ratelimit-reset}), which {@code @Retry} cannot read.
 *
 * <p>Blocking: waits happen on the calling thread, so call it from worker threads, never an event loop.
 */
@Singleton
public class GithubClient {
  private static final Logger LOG = Logger.getLogger(GithubClient.class);
  static final Duration MAX_WAIT = Duration.ofSeconds(60);
  static final int MAX_RATE_LIMIT_RETRIES = 3;
  static final int SERVER_ERROR_TRIES = 3;
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
  /**
   * RFC 8288 as GitHub writes it: {@code <url>; rel="next", <url>; rel="last"}. A regex rather than JAX-RS'
   * {@code Link.valueOf}, which parses a single link and needs a JAX-RS runtime; a URL cannot contain {@code >}.
   */
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"next\"");

  /** Waits between attempts; tests pass one that records instead of sleeping. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private final String apiUrl;
  private final Clock clock;
  private final Sleeper sleeper;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http;

  @Inject
  public GithubClient(GithubConfig config) {
    this(config.apiUrl(), Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
  }

  public GithubClient(String apiUrl, Clock clock, Sleeper sleeper) {
    this.apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
    this.clock = clock;
    this.sleeper = sleeper;
    // HTTP/1.1: some GHES proxies and test servers mishandle the h2c upgrade; GitHub needs nothing newer.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  Clock clock() {
    return clock;
  }

  public JsonNode get(String path, String bearer) {
    return send("GET", path, null, bearer);
  }

  /** One page of a list, and the path of the next page when GitHub's {@code Link} header names one. */
  public record Page(JsonNode body, Optional<String> next) {
  }

  /**
   * A GET of one page of a cursor- or page-numbered list; follow {@link Page#next()} for the rest.
   *
   * @throws GithubApiException also when the next link points outside {@code cde.github.api-url}: the bearer
   *     goes to GitHub only, whatever a header says
   */
  public Page getPage(String path, String bearer) {
    HttpResponse<String> response = exchange("GET", path, null, bearer);
    return new Page(parse(response.body()), nextPage(response.headers().allValues("link")));
  }

  private Optional<String> nextPage(List<String> linkHeaders) {
    for (String header : linkHeaders) {
      Matcher next = NEXT_LINK.matcher(header);
      if (next.find()) {
        String url = next.group(1);
        if (!url.startsWith(apiUrl + "/")) {
          throw new GithubApiException(0, "GitHub's next-page link leaves " + apiUrl + "; not followed");
        }
        return Optional.of(url.substring(apiUrl.length()));
      }
    }
    return Optional.empty();
  }

  /**
   * Sends one request and returns GitHub's JSON answer ({@link MissingNode} for an empty body).
   *
   * @param path starting with {@code /}, relative to {@code cde.github.api-url}, query included
   * @param body serialized with Jackson; {@code null} for none
   * @throws GithubApiException for any 4xx/5xx that retries did not cure, or when GitHub is unreachable
   */
  public JsonNode send(String method, String path, Object body, String bearer) {
    return parse(exchange(method, path, body, bearer).body());
  }

  private HttpResponse<String> exchange(String method, String path, Object body, String bearer) {
    String payload;
    try {
      payload = body == null ? null : json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize request body for " + method + " " + path, e);
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + path))
        .timeout(Duration.ofSeconds(30))
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .header("Authorization", "Bearer " + bearer)
        .header("User-Agent", "cde-bridge")
        .header("Content-Type", "application/json")
        .method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(payload))
        .build();
    int rateLimitRetries = 0;
    int serverTries = 0;
    while (true) {
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (++serverTries >= SERVER_ERROR_TRIES) {
          throw new GithubApiException(0, "GitHub unreachable at " + apiUrl + ": " + e);
        }
        pause(serverBackoff(serverTries), method, path, "unreachable");
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GithubApiException(0, "interrupted while calling GitHub " + method + " " + path);
      }
      int status = response.statusCode();
      if ((status == 403 || status == 429) && rateLimitRetries < MAX_RATE_LIMIT_RETRIES) {
        Optional<Duration> wait = rateLimitWait(response);
        if (wait.isPresent()) {
          rateLimitRetries++;
          pause(wait.get(), method, path, status + " rate limited");
          continue;
        }
      }
      if (status >= 500 && ++serverTries < SERVER_ERROR_TRIES) {
        pause(serverBackoff(serverTries), method, path, String.valueOf(status));
        continue;
      }
      if (status >= 400) {
        throw new GithubApiException(status, message(response.body(), bearer));
      }
      return response;
    }
  }

  /** 1 s, 2 s, 4 s …: GitHub's 5xx are usually brief. */
  private static Duration serverBackoff(int failedTries) {
    return Duration.ofSeconds(1L << (failedTries - 1));
  }

  /**
   * GitHub's documented order: {@code Retry-After} first, then an exhausted primary limit until
   * {@code x-ratelimit-reset}, then (429 / secondary limit without headers) a minute. A 403 without any of these
   * is a permission error and is not retried. Every wait is capped at {@link #MAX_WAIT}: a caller blocked for
   * an hour is worse than a failed call the reconciler repeats later.
   */
  Optional<Duration> rateLimitWait(HttpResponse<?> response) {
    Optional<String> retryAfter = response.headers().firstValue("retry-after");
    if (retryAfter.isPresent()) {
      try {
        return Optional.of(cap(Duration.ofSeconds(Long.parseLong(retryAfter.get().trim()))));
      } catch (NumberFormatException e) {
        return Optional.of(MAX_WAIT); // an HTTP-date: GitHub sends seconds, be safe rather than clever
      }
    }
    if (response.headers().firstValue("x-ratelimit-remaining").map(v -> v.trim().equals("0")).orElse(false)) {
      Optional<String> reset = response.headers().firstValue("x-ratelimit-reset");
      if (reset.isPresent()) {
        try {
          long seconds = Long.parseLong(reset.get().trim()) - clock.instant().getEpochSecond();
          return Optional.of(cap(Duration.ofSeconds(Math.max(1, seconds))));
        } catch (NumberFormatException e) {
          return Optional.of(MAX_WAIT);
        }
      }
    }
    return response.statusCode() == 429 ? Optional.of(MAX_WAIT) : Optional.empty();
  }

  private static Duration cap(Duration d) {
    return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d.isNegative() ? Duration.ZERO : d;
  }

  private void pause(Duration wait, String method, String path, String why) {
    LOG.infof("GitHub %s %s: %s, retrying in %d s", method, pathOnly(path), why, wait.toSeconds());
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GithubApiException(0, "interrupted while waiting to retry GitHub " + method + " " + pathOnly(path));
    }
  }

  private static String pathOnly(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  private JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new GithubApiException(0, "GitHub answered with malformed JSON");
    }
  }

  /** GitHub's {@code message} plus any validation details; the bearer is scrubbed in case an error echoes it. */
  private String message(String body, String bearer) {
    String text;
    try {
      JsonNode node = json.readTree(body == null ? "" : body);
      if (node != null && node.hasNonNull("message")) {
        StringBuilder m = new StringBuilder(node.get("message").asText());
        for (JsonNode error : node.path("errors")) {
          m.append("; ").append(error.isTextual() ? error.asText()
              : error.path("message").asText(error.path("code").asText()));
        }
        text = m.toString();
      } else {
        text = abbreviate(body);
      }
    } catch (JsonProcessingException e) {
      text = abbreviate(body);
    }
    return bearer == null || bearer.isEmpty() ? text : text.replace(bearer, "[redacted]");
  }

  private static String abbreviate(String body) {
    if (body == null || body.isBlank()) {
      return "(no message)";
    }
    return body.length() > 200 ? body.substring(0, 200) + "…" : body;
  }

  /**
   * An owner, repository or organization name as a path segment. They come from webhook payloads, so anything
   * outside GitHub's name alphabet is refused rather than encoded into some other path.
   */
  public static String segment(String name) {
    if (name == null || !SEGMENT.matcher(name).matches()) {
      throw new IllegalArgumentException("not a GitHub owner or repository name: '" + name + "'");
    }
    return name;
  }
}
