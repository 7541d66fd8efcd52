package dev.cde.cli.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.cli.CliException;
import dev.cde.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The bridge's cache service as {@code cde cache} speaks it: the same Twirp calls {@code @actions/cache} makes
 * (CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL) with the session's cache token, and
 * the signed blob URLs they hand out. The scope is the bridge's record of the session; nothing here names it.
 * The token is sent, never printed.
 */
final class CacheServiceClient {
  static final String SERVICE = "/twirp/github.actions.results.api.v1.CacheService/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  CacheServiceClient(String base, String token) {
    this.base = base.replaceAll("/+$", "");
    this.token = token;
  }

  /** What a lookup found. */
  record Hit(String matchedKey, String url) {
  }

  Optional<Hit> lookup(String key, List<String> restoreKeys, String version) {
    ObjectNode req = JSON.createObjectNode().put("key", key).put("version", version);
    restoreKeys.forEach(req.putArray("restore_keys")::add);
    JsonNode r = call("GetCacheEntryDownloadURL", req);
    return r.path("ok").asBoolean() ? Optional.of(new Hit(r.path("matched_key").asText(key),
        r.path("signed_download_url").asText())) : Optional.empty();
  }

  /** The archive's bytes, as they arrive. */
  InputStream download(String url) {
    HttpResponse<InputStream> r = send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      try (InputStream in = r.body()) {
        throw new CliException(ExitCodes.INTERNAL, "the bridge answered " + r.statusCode() + " to the download: "
            + new String(in.readNBytes(500)).strip());
      } catch (IOException e) {
        throw new CliException(ExitCodes.INTERNAL, "the bridge answered " + r.statusCode() + " to the download");
      }
    }
    return r.body();
  }

  /** The upload URL, or why not (the key exists: keys are immutable). */
  record Reservation(String url, String message) {
  }

  Reservation reserve(String key, String version) {
    JsonNode r = call("CreateCacheEntry", JSON.createObjectNode().put("key", key).put("version", version));
    return r.path("ok").asBoolean() ? new Reservation(r.path("signed_upload_url").asText(), null)
        : new Reservation(null, r.path("message").asText("the bridge did not reserve " + key));
  }

  /** What a body writer does: writes the archive to the stream, returns anything worth reporting. */
  interface BodyWriter<T> {
    T write(OutputStream out) throws IOException;
  }

  /**
   * Streams what {@code writer} writes to the upload URL (chunked: the size is known only at the end), so the
   * archive is never held in memory nor written to a temp file. Returns the writer's result and the bytes sent.
   */
  <T> Uploaded<T> upload(String url, BodyWriter<T> writer) throws IOException {
    PipedInputStream in = new PipedInputStream(1 << 20);
    PipedOutputStream pipe = new PipedOutputStream(in);
    long[] sent = {0};
    CompletableFuture<T> written = CompletableFuture.supplyAsync(() -> {
      try (OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          pipe.write(b);
          sent[0]++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          pipe.write(b, off, len);
          sent[0] += len;
        }

        @Override
        public void close() throws IOException {
          pipe.close();
        }
      }) {
        return writer.write(out);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url))
        .header("x-ms-blob-type", "BlockBlob").header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> in)).build(), HttpResponse.BodyHandlers.ofString());
    T result;
    try {
      result = written.join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(String.valueOf(c), c);
    }
    if (r.statusCode() / 100 != 2) {
      throw new CliException(ExitCodes.INTERNAL, "the bridge answered " + r.statusCode() + " to the upload: "
          + r.body().strip());
    }
    return new Uploaded<>(result, sent[0]);
  }

  record Uploaded<T>(T result, long bytes) {
  }

  /** Null when published, else the bridge's reason (another job saved the key first, the archive was refused). */
  String commit(String key, String version, long size) {
    JsonNode r = call("FinalizeCacheEntryUpload", JSON.createObjectNode().put("key", key).put("version", version)
        .put("size_bytes", size));
    return r.path("ok").asBoolean() ? null : r.path("message").asText("the bridge did not publish " + key);
  }

  private JsonNode call(String method, ObjectNode body) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + SERVICE + method))
        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json;
    try {
      json = JSON.readTree(r.body());
    } catch (IOException e) {
      json = JSON.createObjectNode();
    }
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      throw new CliException(ExitCodes.AUTH_REFUSED, "the bridge refused the cache token: "
          + json.path("msg").asText("HTTP " + r.statusCode()));
    }
    if (r.statusCode() != 200) {
      throw new CliException(ExitCodes.INTERNAL, "the bridge's cache service answered " + r.statusCode() + ": "
          + json.path("msg").asText(r.body().strip()));
    }
    return json;
  }

  private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(req, handler);
    } catch (IOException e) {
      // The URL may carry a signed token: say where, not what.
      throw new CliException(ExitCodes.BRIDGE_UNREACHABLE, "cannot reach the bridge at " + base + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
    }
  }
}
