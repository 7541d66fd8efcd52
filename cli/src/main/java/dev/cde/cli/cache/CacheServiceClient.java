package dev.cde.cli.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.cli.CliException;
import dev.cde.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

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

  CacheServiceClient(String base, String token) {
    this.base = base.replaceAll("/+$", "");
    this.token = token;
  }

  /**
   * What a lookup found; {@code nasPath} and {@code size} (else null and -1) name the entry's file on the NAS,
   * relative to where it is mounted, when the lookup asked for it.
   */
  record Hit(String matchedKey, String url, String nasPath, long size) {
  }

  /** {@code nas}: ask for the entry's place on the NAS too (this process reads the NAS's read-only mount). */
  Optional<Hit> lookup(String key, List<String> restoreKeys, String version, boolean nas) {
    ObjectNode req = JSON.createObjectNode().put("key", key).put("version", version);
    restoreKeys.forEach(req.putArray("restore_keys")::add);
    if (nas) {
      req.put("cde_nas", true);
    }
    JsonNode r = call("GetCacheEntryDownloadURL", req);
    if (!r.path("ok").asBoolean()) {
      return Optional.empty();
    }
    JsonNode onNas = r.path("cde_nas");
    return Optional.of(new Hit(r.path("matched_key").asText(key), r.path("signed_download_url").asText(),
        onNas.path("path").isTextual() ? onNas.path("path").asText() : null, onNas.path("size").asLong(-1)));
  }

  /**
   * The archive's bytes, as they arrive. HttpURLConnection, not HttpClient: a plain blocking stream is what the
   * extractor reads, and HttpClient's body subscriber adds a queue and a copy per 16 KiB.
   */
  InputStream download(String url) {
    try {
      java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(10_000);
      c.setReadTimeout(300_000);
      int status = c.getResponseCode();
      if (status != 200) {
        InputStream err = c.getErrorStream();
        String body = err == null ? "" : new String(err.readNBytes(500)).strip();
        throw new CliException(ExitCodes.INTERNAL, "the bridge answered " + status + " to the download: " + body);
      }
      return c.getInputStream();
    } catch (IOException e) {
      throw unreachable(e);
    }
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
   * archive is never held in memory nor written to a temp file: the writer writes into the socket. Returns the
   * writer's result and the bytes sent.
   */
  <T> Uploaded<T> upload(String url, BodyWriter<T> writer) throws IOException {
    java.net.HttpURLConnection c;
    try {
      c = (java.net.HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setRequestMethod("PUT");
      c.setDoOutput(true);
      c.setChunkedStreamingMode(1 << 20);
      c.setConnectTimeout(10_000);
      c.setReadTimeout(600_000);
      c.setRequestProperty("x-ms-blob-type", "BlockBlob");
      c.setRequestProperty("Content-Type", "application/octet-stream");
      c.connect();
    } catch (IOException e) {
      throw unreachable(e);
    }
    long[] sent = {0};
    T result;
    try (OutputStream socket = c.getOutputStream(); OutputStream out = new java.io.FilterOutputStream(socket) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        socket.write(b, off, len);
        sent[0] += len;
      }

      @Override
      public void write(int b) throws IOException {
        socket.write(b);
        sent[0]++;
      }
    }) {
      result = writer.write(out);
    }
    int status = c.getResponseCode();
    if (status / 100 != 2) {
      InputStream err = c.getErrorStream();
      throw new CliException(ExitCodes.INTERNAL, "the bridge answered " + status + " to the upload: "
          + (err == null ? "" : new String(err.readNBytes(500)).strip()));
    }
    return new Uploaded<>(result, sent[0]);
  }

  record Uploaded<T>(T result, long bytes) {
  }

  /**
   * Tells the bridge the entry of {@code key} did not read to its end; it reads it again and removes it if so.
   * Returns the bridge's answer for the user.
   */
  String reportDamaged(String key, String version) {
    return call("CdeReportDamagedCacheEntry", JSON.createObjectNode().put("key", key).put("version", version))
        .path("message").asText("the bridge did not answer the report");
  }

  /** Null when published, else the bridge's reason (another job saved the key first, the archive was refused). */
  String commit(String key, String version, long size) {
    JsonNode r = call("FinalizeCacheEntryUpload", JSON.createObjectNode().put("key", key).put("version", version)
        .put("size_bytes", size));
    return r.path("ok").asBoolean() ? null : r.path("message").asText("the bridge did not publish " + key);
  }

  /**
   * One Twirp call. HttpURLConnection, as for the blobs: java.net.http's HttpClient took 0.15 s to build and 0.07 s
   * for its first request (0.025 s here), twice or more per job, in a command whose whole start is 0.2 s.
   */
  private JsonNode call(String method, ObjectNode body) {
    int status;
    String text;
    try {
      java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(base + SERVICE + method).toURL()
          .openConnection();
      c.setConnectTimeout(10_000);
      c.setReadTimeout(60_000);
      c.setRequestMethod("POST");
      c.setDoOutput(true);
      c.setRequestProperty("Authorization", "Bearer " + token);
      c.setRequestProperty("Content-Type", "application/json");
      try (OutputStream out = c.getOutputStream()) {
        out.write(body.toString().getBytes(StandardCharsets.UTF_8));
      }
      status = c.getResponseCode();
      InputStream in = status / 100 == 2 ? c.getInputStream() : c.getErrorStream();
      text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw unreachable(e);
    }
    JsonNode json;
    try {
      json = JSON.readTree(text);
    } catch (IOException e) {
      json = JSON.createObjectNode();
    }
    if (json == null || json.isMissingNode()) {
      json = JSON.createObjectNode();
    }
    if (status == 401 || status == 403) {
      throw new CliException(ExitCodes.AUTH_REFUSED, "the bridge refused the cache token: "
          + json.path("msg").asText("HTTP " + status));
    }
    if (status != 200) {
      throw new CliException(ExitCodes.INTERNAL, "the bridge's cache service answered " + status + ": "
          + json.path("msg").asText(text.strip()));
    }
    return json;
  }

  /** The URL may carry a signed token: say where (the bridge), not what. */
  private CliException unreachable(IOException e) {
    return new CliException(ExitCodes.BRIDGE_UNREACHABLE, "cannot reach the bridge at " + base + ": "
        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
  }
}
