package dev.cde.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/** The bridge's REST API ({@code /api/v1}) as the command uses it; errors become {@link CliException}s. */
public final class BridgeClient {
  static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static final String MARKDOWN = "text/markdown, application/problem+json";
  private final URI base;
  private final Supplier<String> token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code token} is asked for lazily: the embedded bridge writes the token file on its first start. */
  public BridgeClient(URI base, Supplier<String> token) {
    this.base = base;
    this.token = token;
  }

  public URI base() {
    return base;
  }

  /** True when {@code /q/health} answers 200 within a couple of seconds. */
  public boolean healthy() {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(base.resolve("/q/health")).timeout(Duration.ofSeconds(3))
          .GET().build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Creates a session and waits until it runs or failed; the future fails with a {@link CliException}. */
  public CompletableFuture<JsonNode> createSession(ObjectNode spec) {
    HttpRequest req = api("/api/v1/sessions?wait=true", Duration.ofMinutes(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(spec.toString())).build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
        .handle((r, e) -> {
          if (e != null) {
            throw transport(e);
          }
          JsonNode rec = parse(r, null, ExitCodes.SESSION_FAILED);
          if ("FAILED".equals(rec.path("state").asText())) {
            SessionView s = new SessionView(rec);
            throw new CliException(ExitCodes.SESSION_FAILED, "session " + s.id() + " failed to start: "
                + (s.endReason() == null ? "(the bridge gave no reason)" : s.endReason()));
          }
          return rec;
        });
  }

  /** Every session the bridge knows; tolerates a bare array or an object holding one. */
  public JsonNode listSessions() {
    return send(api("/api/v1/sessions", Duration.ofSeconds(30)).GET().build(), null);
  }

  /** Sessions created with {@code name}, newest first; {@code states} (e.g. "RUNNING") narrows them, none: all. */
  public JsonNode sessionsNamed(String name, String... states) {
    String query = "?name=" + enc(name) + (states.length == 0 ? "" : "&state=" + enc(String.join(",", states)));
    return send(api("/api/v1/sessions" + query, Duration.ofSeconds(30)).GET().build(), null);
  }

  /** What the session cost so far, or its final cost once it ended ({@code {currency, billedSeconds, total, ...}}). */
  public JsonNode costSoFar(String id) {
    return send(api("/api/v1/sessions/" + enc(id) + "/cost", Duration.ofSeconds(30)).GET().build(), id);
  }

  /**
   * Asks the bridge to refresh its git mirror of {@code url} (which may carry the job's credentials: they go in
   * the body, never a query), waiting at most {@code waitSeconds}; answers {@code {mirror, cloned|pending}}.
   */
  public CompletableFuture<JsonNode> refreshGitMirror(String url, int waitSeconds) {
    ObjectNode body = JSON.createObjectNode().put("url", url).put("waitSeconds", waitSeconds);
    HttpRequest req = api("/api/v1/git-mirrors/refresh", Duration.ofSeconds(waitSeconds + 30L))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
      if (e != null) {
        throw transport(e);
      }
      return parse(r, null, ExitCodes.SESSION_FAILED);
    });
  }

  /**
   * The session's cost report ({@code GET /api/v1/sessions/{id}/report}) as the bridge wrote it: Markdown, or with
   * {@code json} its JSON, byte for byte (amounts are exact decimals, which a round trip through a parser could
   * change).
   */
  public String report(String id, boolean json) {
    return text(reportRequest("/api/v1/sessions/" + enc(id) + "/report", json), id);
  }

  /** The cost report of the session whose runner took GitHub job {@code jobId}, as {@link #report(String, boolean)}. */
  public String githubJobReport(long jobId, boolean json) {
    return text(reportRequest("/api/v1/github/jobs/" + jobId + "/report", json), null);
  }

  private HttpRequest reportRequest(String path, boolean json) {
    return api(path + "?format=" + (json ? "json" : "markdown"), Duration.ofSeconds(30))
        .setHeader("Accept", json ? "application/json" : MARKDOWN).GET().build();
  }

  /** Tells the bridge the session's job started now (only the first call counts); answers {@code {sessionId, at}}. */
  public JsonNode jobStarted(String id) {
    return send(api("/api/v1/sessions/" + enc(id) + "/job-started", Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), id);
  }

  /** Tells the bridge the session's job ended now (the latest call counts). */
  public JsonNode jobEnded(String id) {
    return send(api("/api/v1/sessions/" + enc(id) + "/job-ended", Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), id);
  }

  public JsonNode session(String id) {
    return send(api("/api/v1/sessions/" + enc(id), Duration.ofSeconds(30)).GET().build(), id);
  }

  /** Ends a session; returns its final record with the cost. */
  public JsonNode endSession(String id) {
    return send(api("/api/v1/sessions/" + enc(id), Duration.ofSeconds(60)).DELETE().build(), id);
  }

  /**
   * A session's log as the bridge streams it: all of it, or its last {@code tail} lines (when not null);
   * with {@code follow}, the stream goes on until the session has ended. Failures before the first byte
   * become {@link CliException}s; the caller reads (and closes) the stream.
   */
  public InputStream logs(String id, Integer tail, boolean follow) {
    StringBuilder path = new StringBuilder("/api/v1/sessions/").append(enc(id)).append("/logs?follow=").append(follow);
    if (tail != null) {
      path.append("&tail=").append(tail);
    }
    // No request timeout: a followed log may stay quiet for as long as the job does.
    HttpRequest req = HttpRequest.newBuilder(base.resolve(path.toString()))
        .header("Accept", "text/plain, application/problem+json")
        .header("Authorization", "Bearer " + token.get()).GET().build();
    HttpResponse<InputStream> r;
    try {
      r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw transport(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
    }
    if (r.statusCode() / 100 == 2) {
      return r.body();
    }
    String body;
    try (InputStream in = r.body()) {
      body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    } catch (IOException e) {
      body = "";
    }
    throw failure(r.statusCode(), body, r.request().uri(), id, ExitCodes.INTERNAL);
  }

  private HttpRequest.Builder api(String path, Duration timeout) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + token.get());
  }

  private JsonNode send(HttpRequest req, String sessionId) {
    return parse(exchange(req), sessionId, ExitCodes.INTERNAL);
  }

  private HttpResponse<String> exchange(HttpRequest req) {
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw transport(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
    }
  }

  /** A text answer (a Markdown report), with the same error handling as a JSON one. */
  private String text(HttpRequest req, String sessionId) {
    HttpResponse<String> r = exchange(req);
    if (r.statusCode() / 100 != 2) {
      throw failure(r.statusCode(), r.body() == null ? "" : r.body(), r.request().uri(), sessionId, ExitCodes.INTERNAL);
    }
    return r.body();
  }

  private JsonNode parse(HttpResponse<String> r, String sessionId, int otherFailure) {
    int status = r.statusCode();
    String body = r.body() == null ? "" : r.body();
    if (status / 100 != 2) {
      throw failure(status, body, r.request().uri(), sessionId, otherFailure);
    }
    try {
      return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      throw new CliException(ExitCodes.INTERNAL, "the bridge sent a body that is not JSON (HTTP " + status + ")");
    }
  }

  /** The error for a non-2xx answer: the token refused, not found, or the bridge's own words. */
  private static CliException failure(int status, String body, URI uri, String sessionId, int otherFailure) {
    if (status == 401 || status == 403) {
      return CliException.authRefused();
    }
    String detail = problemDetail(body);
    if (status == 404) {
      return new CliException(ExitCodes.NOT_FOUND, detail != null ? detail
          : sessionId != null ? "no session " + sessionId : "not found: " + uri.getPath());
    }
    if (status == 402 && detail != null) { // a spent budget: its own words name the budget, spent and limit
      return new CliException(ExitCodes.BUDGET_EXCEEDED, "the bridge refused a new session: " + detail);
    }
    return new CliException(otherFailure, "the bridge answered HTTP " + status + (detail != null ? ": " + detail : ""));
  }

  /** RFC 9457 problem: the {@code detail}, else the {@code title}. */
  static String problemDetail(String body) {
    try {
      JsonNode p = JSON.readTree(body);
      for (String f : new String[] {"detail", "title", "message"}) {
        if (p != null && p.path(f).isTextual() && !p.path(f).asText().isBlank()) {
          return p.path(f).asText();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: fall through
    }
    String s = body.strip();
    return s.isEmpty() || s.length() > 300 ? null : s;
  }

  private CliException transport(Throwable e) {
    while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof CliException c) {
      return c;
    }
    if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
      return unreachable(base);
    }
    return new CliException(ExitCodes.BRIDGE_UNREACHABLE, "lost the bridge at " + base + ": " + e);
  }

  static CliException unreachable(URI base) {
    return new CliException(ExitCodes.BRIDGE_UNREACHABLE, "cannot reach the bridge at " + base
        + " (start it with `cde up`, or set CDE_BRIDGE_URL)");
  }

  private static String enc(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }
}
