package dev.cde.bridge.cache.gitlab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.bridge.cache.ByteRange;
import dev.cde.bridge.cache.CappedUpload;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The S3-compatible endpoint gitlab-runner's distributed cache talks to: {@code GET}, {@code HEAD} and
 * {@code PUT /<bucket>/<object>} with pre-signed URLs, path-style, at the bridge's root (gitlab-runner's
 * {@code ServerAddress} is a host:port and carries no path). What the helper on the instance sends (read in
 * gitlab-runner's {@code commands/helpers/cache_archiver.go} and {@code cache_extractor.go}): PUT with
 * {@code Content-Length}, {@code Content-Type: application/octet-stream} and the signed {@code x-amz-meta-cachekey};
 * GET, possibly with {@code Range}; HEAD to compare {@code Last-Modified}. Nothing else of S3 is served.
 *
 * <p>Plain Vert.x routes ordered before Quarkus' body-size check, like the other cache uploads: an object can be
 * gigabytes, arrives with its {@code Content-Length}, and is streamed to the NAS (and back) without being held in
 * memory. Requests outside the bucket pass through untouched unless they are S3 requests, which get NoSuchBucket.
 * Request paths are never logged with their query, which holds the signature.
 */
@ApplicationScoped
public class GitlabCacheRoutes {
  private static final Logger LOG = Logger.getLogger(GitlabCacheRoutes.class);
  /** S3's limit on the user metadata of one object. */
  static final int MAX_METADATA_BYTES = 2048;
  /** Top-level paths of the bridge's own routes; a bucket by one of these names would shadow them. */
  private static final Set<String> RESERVED = Set.of("api", "github", "twirp", "nix", "q", "gitlab");
  /** S3's bucket naming rules, less the dotted-IP form and anything with "..". */
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GitlabCacheConfig config;
  private final GitlabCacheStore store;

  public GitlabCacheRoutes(GitlabCacheConfig config, GitlabCacheStore store) {
    this.config = config;
    this.store = store;
  }

  void routes(@Observes Router router) {
    if (!config.enabled()) {
      return;
    }
    PresignedUrlVerifier verifier = verifier(config);
    // Before Quarkus' upload limit (order -2), which would answer 413 to a large Content-Length.
    router.route().order(-890).handler(rc -> handle(rc, verifier));
    LOG.infof("gitlab cache: serving bucket %s (region %s) at /%s/", config.bucket(), config.region(), config.bucket());
  }

  /** Checks the configuration at startup, so a bridge that cannot serve the cache does not start. */
  static PresignedUrlVerifier verifier(GitlabCacheConfig config) {
    String bucket = config.bucket();
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || RESERVED.contains(bucket)) {
      throw new IllegalStateException("cde.gitlab-cache.bucket '" + bucket + "' is not a usable bucket name: 3 to 63"
          + " lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, and none of "
          + RESERVED);
    }
    String id = config.accessKeyId().map(String::strip).orElse("");
    String secret = config.secretAccessKey().map(String::strip).orElse("");
    if (id.isEmpty() || secret.isEmpty()) {
      throw new IllegalStateException("cde.gitlab-cache.enabled=true needs cde.gitlab-cache.access-key-id and"
          + " cde.gitlab-cache.secret-access-key (the AccessKey and SecretKey of [runners.cache.s3] in config.toml)");
    }
    return new PresignedUrlVerifier(id, secret, config.region(), config.clockSkew(), Clock.systemUTC());
  }

  private void handle(RoutingContext rc, PresignedUrlVerifier verifier) {
    HttpServerRequest req = rc.request();
    String path = req.path() == null ? "/" : req.path();
    int slash = path.indexOf('/', 1);
    String bucket = slash < 0 ? path.substring(1) : path.substring(1, slash);
    if (!bucket.equals(store.bucket())) {
      if (isS3Request(req)) {
        fail(rc, S3Error.noSuchBucket(bucket), path);
      } else {
        rc.next();
      }
      return;
    }
    req.pause(); // nothing is read before the signature is checked
    try {
      List<Map.Entry<String, String>> query = query(req.query());
      verifier.verify(new PresignedUrlVerifier.Request(req.method().name(), host(req), path, query,
          name -> req.headers().getAll(name)));
      String rawName = slash < 0 ? "" : path.substring(slash + 1);
      if (rawName.isEmpty()) {
        throw new S3Error(501, "NotImplemented", "Bucket operations are not served here; only GET, HEAD and PUT"
            + " of objects.");
      }
      CacheObjectName name = CacheObjectName.parse(decode(rawName));
      if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
        download(rc, name, path);
      } else if (req.method() == HttpMethod.PUT) {
        if (query.stream().anyMatch(q -> q.getKey().equals("partNumber") || q.getKey().equals("uploadId"))) {
          throw new S3Error(501, "NotImplemented", "Multipart uploads are not served here.");
        }
        upload(rc, name, path, query);
      } else {
        throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
      }
    } catch (S3Error e) {
      LOG.debugf("gitlab cache: %s %s refused: %s %s", req.method(), path, e.code(), e.getMessage());
      fail(rc, e, path);
    }
  }

  // ------------------------------------------------------------------------------------------ download

  private void download(RoutingContext rc, CacheObjectName name, String path) {
    boolean head = rc.request().method() == HttpMethod.HEAD;
    rc.vertx().executeBlocking(() -> {
      Optional<GitlabCacheStore.Found> found = store.find(name);
      if (found.isEmpty() && !head) {
        store.missed(name);
      }
      return found;
    }, false).onSuccess(found -> {
      if (found.isEmpty()) {
        fail(rc, S3Error.noSuchKey(), path);
        return;
      }
      Path file = found.get().file();
      // The size comes from the opened file, not a stat before it: an upload renamed over the object meanwhile
      // cannot make Content-Length disagree with the bytes sent.
      rc.vertx().fileSystem().open(file.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
          .onFailure(e -> fail(rc, S3Error.noSuchKey(), path))
          .onSuccess(f -> f.size().onFailure(e -> {
            f.close();
            internal(rc, e, path);
          }).onSuccess(size -> send(rc, name, found.get(), f, size, path)));
    }).onFailure(e -> internal(rc, e, path));
  }

  private void send(RoutingContext rc, CacheObjectName name, GitlabCacheStore.Found found, AsyncFile f, long size,
      String path) {
    HttpServerResponse res = rc.response();
    Optional<ByteRange> asked = ByteRange.of(rc.request().getHeader("Range"), size);
    if (asked.isEmpty()) {
      f.close();
      fail(rc, new S3Error(416, "InvalidRange", "The requested range is not satisfiable"), path);
      return;
    }
    ByteRange range = asked.get();
    long modified;
    try {
      modified = Files.getLastModifiedTime(found.file()).toMillis();
    } catch (IOException e) {
      modified = System.currentTimeMillis();
    }
    res.putHeader("x-amz-request-id", requestId())
        .putHeader("Content-Type", found.entry().map(GitlabCacheIndex.Entry::contentType).filter(t -> !t.isBlank())
            .orElse("application/octet-stream"))
        .putHeader("Last-Modified", HTTP_DATE.format(java.time.Instant.ofEpochMilli(modified)))
        .putHeader("ETag", "\"" + Long.toHexString(modified) + "-" + Long.toHexString(size) + "\"")
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("Content-Length", Long.toString(Math.max(0, range.length())));
    found.entry().map(GitlabCacheIndex.Entry::metadata).ifPresent(m -> metadataHeaders(m).forEach(
        (k, v) -> res.putHeader("x-amz-meta-" + k, v)));
    if (range.partial()) {
      res.setStatusCode(206).putHeader("Content-Range", range.contentRange(size));
    }
    if (rc.request().method() == HttpMethod.HEAD || range.length() <= 0) {
      f.close();
      res.end();
      return;
    }
    // A hit is a download of the object from its start, not gitlab-runner's 1-byte probe (bytes=0-0) that comes
    // before a parallel download, nor the later chunks of one.
    boolean hit = range.from() == 0 && !(range.partial() && range.length() == 1);
    f.setReadPos(range.from()).setReadLength(range.length());
    f.pipeTo(res).onSuccess(x -> rc.vertx().executeBlocking(() -> {
      store.downloaded(name, range.length(), hit);
      return null;
    }, false)).onFailure(e -> LOG.debugf("gitlab cache: download of %s ended early: %s", name.name(), e.getMessage()));
  }

  // -------------------------------------------------------------------------------------------- upload

  private void upload(RoutingContext rc, CacheObjectName name, String path, List<Map.Entry<String, String>> query)
      throws S3Error {
    HttpServerRequest req = rc.request();
    long max = config.maxObjectSize().asLongValue();
    String length = req.getHeader("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        throw S3Error.invalidArgument("Content-Length is not a number");
      }
      if (declared > max) {
        throw tooLarge(max);
      }
    }
    String metadata = metadata(req, query);
    String contentType = req.getHeader("Content-Type");
    if (contentType != null && contentType.length() > 255) {
      contentType = null;
    }
    String type = contentType;
    // curl (and other clients) wait for this before sending a large body; answer it only now that the signature
    // and the size are known to be acceptable.
    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      rc.response().writeContinue();
    }
    rc.vertx().executeBlocking(store::newUpload, false)
        .onFailure(e -> internal(rc, e, path))
        .onSuccess(tmp -> rc.vertx().fileSystem().open(tmp.toString(), new OpenOptions().setWrite(true)
                .setTruncateExisting(true))
            .onFailure(e -> {
              deleteQuietly(tmp);
              internal(rc, e, path);
            })
            .onSuccess(out -> receive(rc, name, path, tmp, out, max, type, metadata)));
  }

  /** Streams the body to {@code tmp} and publishes it as the object once it is all there. */
  private void receive(RoutingContext rc, CacheObjectName name, String path, Path tmp, AsyncFile out, long max,
      String contentType, String metadata) {
    CappedUpload.receive(rc.request(), out, max, null, new CappedUpload.Outcome() {
      @Override
      public void tooLarge() {
        deleteQuietly(tmp);
        fail(rc, GitlabCacheRoutes.tooLarge(max), path);
      }

      @Override
      public void broken(Throwable e) {
        LOG.debugf("gitlab cache: upload of %s broke off: %s", name.name(), e.getMessage());
        deleteQuietly(tmp);
      }

      @Override
      public void complete(long size) {
        out.close()
            .compose(x -> rc.vertx().executeBlocking(() -> store.publish(name, tmp, contentType, metadata), false))
            .onSuccess(entry -> rc.response().putHeader("x-amz-request-id", requestId())
                .putHeader("ETag", "\"" + Long.toHexString(entry.modifiedAt().toEpochMilli()) + "-"
                    + Long.toHexString(entry.sizeBytes()) + "\"")
                .end())
            .onFailure(e -> {
              deleteQuietly(tmp);
              if (e instanceof S3Error s3) {
                fail(rc, s3, path);
              } else {
                internal(rc, e, path);
              }
            });
      }
    });
  }

  private static S3Error tooLarge(long max) {
    return new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size of " + max
        + " bytes (cde.gitlab-cache.max-object-size).");
  }

  /** The object's x-amz-meta-* values as a JSON object (names lower-case, without the prefix); null if none. */
  private static String metadata(HttpServerRequest req, List<Map.Entry<String, String>> query) throws S3Error {
    Map<String, String> meta = new TreeMap<>();
    req.headers().forEach(h -> {
      String n = h.getKey().toLowerCase(Locale.ROOT);
      if (n.startsWith("x-amz-meta-")) {
        meta.put(n.substring("x-amz-meta-".length()), h.getValue());
      }
    });
    // a presigner may hoist them into the query string instead of signing them as headers
    for (Map.Entry<String, String> q : query) {
      String n = q.getKey().toLowerCase(Locale.ROOT);
      if (n.startsWith("x-amz-meta-")) {
        meta.putIfAbsent(n.substring("x-amz-meta-".length()), q.getValue());
      }
    }
    if (meta.isEmpty()) {
      return null;
    }
    int bytes = meta.entrySet().stream().mapToInt(e -> (e.getKey() + e.getValue()).getBytes(StandardCharsets.UTF_8)
        .length).sum();
    if (bytes > MAX_METADATA_BYTES) {
      throw new S3Error(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size"
          + " of " + MAX_METADATA_BYTES + " bytes.");
    }
    try {
      return JSON.writeValueAsString(meta);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> metadataHeaders(String json) {
    try {
      return JSON.readValue(json, new TypeReference<Map<String, String>>() { });
    } catch (IOException e) {
      return Map.of();
    }
  }

  // ------------------------------------------------------------------------------------------- plumbing

  /** An S3 request, as opposed to one for the bridge's other routes: it is signed the way S3 signs. */
  private static boolean isS3Request(HttpServerRequest req) {
    String q = req.query();
    String auth = req.getHeader("Authorization");
    return (q != null && q.contains("X-Amz-Algorithm=")) || (auth != null && auth.startsWith("AWS4-HMAC-SHA256"));
  }

  private static String host(HttpServerRequest req) {
    String host = req.getHeader("Host");
    if (host == null && req.authority() != null) {
      host = req.authority().toString();
    }
    return host;
  }

  /**
   * The query's parameters, decoded, in order. Not Vert.x's params(): its decoder reads '+' as a space, which
   * S3 clients never mean (they send %20), and a signature computed over the wrong value would not match.
   */
  static List<Map.Entry<String, String>> query(String raw) throws S3Error {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      out.add(new AbstractMap.SimpleImmutableEntry<>(decode(k), decode(v)));
    }
    return out;
  }

  /** Percent-decoding of a path segment or query part; '+' stays '+'. */
  static String decode(String s) throws S3Error {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.");
    }
  }

  private static String requestId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase(Locale.ROOT);
  }

  /** Not {@code rc.fail}: Quarkus' failure handler logs the request's URI, query (and so signature) included. */
  private static void internal(RoutingContext rc, Throwable e, String path) {
    LOG.errorf("gitlab cache: %s %s failed: %s", rc.request().method(), path, e.toString());
    fail(rc, new S3Error(500, "InternalError", "We encountered an internal error. Please try again."), path);
  }

  private static void fail(RoutingContext rc, S3Error e, String path) {
    HttpServerResponse res = rc.response();
    if (res.ended()) {
      return;
    }
    String id = requestId();
    // HTTP/1: a body still on its way would have to be read to keep the connection; on HTTP/2 only the stream ends
    boolean put = rc.request().method() == HttpMethod.PUT && rc.request().version() != HttpVersion.HTTP_2;
    res.setStatusCode(e.status()).putHeader("x-amz-request-id", id);
    if (put) {
      // The body may still be on its way: say so, and close once the answer is out rather than read gigabytes
      // to keep the connection.
      res.putHeader("Connection", "close");
    }
    if (rc.request().method() == HttpMethod.HEAD) {
      res.end();
    } else {
      res.putHeader("Content-Type", "application/xml").end(e.toXml(path, id));
    }
    if (put) {
      // Vert.x flushes the answer before the close; waiting for the end would wait for a body nobody reads
      rc.request().connection().close();
    } else {
      rc.request().resume();
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the sweep removes what is left in .tmp
    }
  }
}
