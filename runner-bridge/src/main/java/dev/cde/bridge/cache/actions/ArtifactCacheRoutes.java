package dev.cde.bridge.cache.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.ArchiveInspector;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.tunnel.auth.InvalidTokenException;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * GitHub's older cache protocol ({@code _apis/artifactcache}, what {@code @actions/cache} speaks when
 * {@code ACTIONS_CACHE_URL} is set and {@code ACTIONS_CACHE_SERVICE_V2} is not), served under
 * {@code /_cde/cache/<session cache token>/}: this protocol's URL keeps its path, so the token there says which
 * session calls (the bearer token the client sends is GitHub's, which the bridge cannot check). Same store,
 * same scopes as the Twirp service. Upload chunks arrive as PATCH with {@code Content-Range}, possibly out of
 * order and several at once; each is streamed to its place in the upload file, never held in memory.
 * The path holds a secret: nothing here logs a path or a URL.
 */
@ApplicationScoped
public class ArtifactCacheRoutes {
  static final String PREFIX = "/_cde/cache/";
  private static final String API = "/_apis/artifactcache/";
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\*|\\d+)");
  private static final int MAX_JSON = 64 << 10;
  private static final Logger LOG = Logger.getLogger(ArtifactCacheRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CacheTokens tokens;
  private final ArchiveIndex index;
  private final ArchiveCacheStore store;
  private final PendingUploads uploads;
  /** This protocol names an upload by a number; the chunks received of each (start → length). */
  private final Map<Long, Reserved> reserved = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(System.currentTimeMillis());

  private record Reserved(PendingUploads.Upload upload, Map<Long, Long> chunks, long reservedAtNanos) {
  }

  /** A reservation never committed (the job died) is forgotten after this; its file is swept with tmp/. */
  private static final long ABANDONED_NANOS = java.util.concurrent.TimeUnit.HOURS.toNanos(6);

  public ArtifactCacheRoutes(CacheTokens tokens, ArchiveIndex index, ArchiveCacheStore store,
      PendingUploads uploads) {
    this.tokens = tokens;
    this.index = index;
    this.store = store;
    this.uploads = uploads;
  }

  void routes(@Observes Router router) {
    // Before the blob routes' "/_cde/cache/blob/:token" could match: "blob" is never a session token's path.
    router.routeWithRegex(Pattern.quote(PREFIX) + "([^/]+)" + Pattern.quote(API) + "(.*)").order(-901)
        .handler(this::handle);
  }

  private void handle(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    req.pause();
    String session;
    try {
      session = tokens.sessionBySignature("Bearer " + rc.pathParam("param0"));
    } catch (InvalidTokenException e) {
      json(rc, 401, error("cde cache: " + e.getMessage()));
      return;
    }
    String resource = rc.pathParam("param1");
    rc.vertx().executeBlocking(() -> {
      tokens.requireLive(session);
      return index.scope(session);
    }).onSuccess(scope -> {
      if (scope.isEmpty()) {
        json(rc, 403, error("cde cache: no cache scope is recorded for session " + session));
        return;
      }
      route(rc, session, scope.get(), resource);
    }).onFailure(e -> {
      if (e instanceof InvalidTokenException) {
        json(rc, 401, error("cde cache: " + e.getMessage()));
      } else {
        internal(rc, e);
      }
    });
  }

  private void route(RoutingContext rc, String session, CacheScope scope, String resource) {
    HttpMethod m = rc.request().method();
    if (m == HttpMethod.GET && resource.equals("cache")) {
      lookup(rc, session, scope);
    } else if (m == HttpMethod.GET && resource.equals("caches")) {
      json(rc, 200, JSON.createObjectNode().put("totalCount", 0)); // the client's debug listing only
    } else if (m == HttpMethod.POST && resource.equals("caches")) {
      body(rc, b -> reserve(rc, session, scope, b));
    } else if (resource.matches("caches/\\d+") && (m == HttpMethod.PATCH || m == HttpMethod.POST)) {
      Reserved r = reserved.get(Long.parseLong(resource.substring("caches/".length())));
      if (r == null || !r.upload().sessionId().equals(session)) {
        json(rc, 404, error("no upload " + resource + " is in progress for this job"));
      } else if (m == HttpMethod.PATCH) {
        chunk(rc, r);
      } else {
        body(rc, b -> commit(rc, session, Long.parseLong(resource.substring("caches/".length())), r, b));
      }
    } else {
      json(rc, 404, error("cde cache does not serve " + m + " " + resource));
    }
  }

  private void lookup(RoutingContext rc, String session, CacheScope scope) {
    String keys = rc.request().getParam("keys");
    String version = rc.request().getParam("version");
    if (keys == null || keys.isBlank() || version == null || version.isBlank()) {
      json(rc, 400, error("keys and version are required"));
      return;
    }
    List<String> all = Arrays.stream(keys.split(",")).map(String::strip).filter(k -> !k.isEmpty()).toList();
    rc.vertx().executeBlocking(() -> store.lookup(scope, all.get(0), all.subList(1, all.size()), version, session))
        .onSuccess(match -> {
          if (match.isEmpty()) {
            rc.request().resume();
            rc.response().setStatusCode(204).end();
            return;
          }
          String blob = tokens.blob(BlobRoutes.DOWNLOAD + match.get().entry().id() + ":" + session);
          json(rc, 200, JSON.createObjectNode().put("cacheKey", match.get().entry().key())
              .put("scope", match.get().entry().ref()).put("cacheVersion", version)
              .put("archiveLocation", base(rc) + BlobRoutes.PATH + blob));
        }).onFailure(e -> internal(rc, e));
  }

  private void reserve(RoutingContext rc, String session, CacheScope scope, JsonNode body) {
    String key = body.path("key").asText("");
    String version = body.path("version").asText("");
    if (key.isEmpty() || version.isEmpty()) {
      json(rc, 400, error("key and version are required"));
      return;
    }
    rc.vertx().executeBlocking(() -> {
      if (store.exists(scope, key, version)) {
        return null;
      }
      java.nio.file.Path file = store.newUpload();
      return uploads.start(session, scope, key, version, file, file.resolveSibling(file.getFileName() + ".blocks"));
    }).onSuccess(u -> {
      if (u == null) {
        // What GitHub answers for a key that exists: the client warns "Unable to reserve cache" and goes on.
        json(rc, 409, error("cache entry " + key + " already exists in " + scope.ref()
            + "; keys are immutable, the first writer's entry stays"));
        return;
      }
      long id = ids.incrementAndGet();
      long now = System.nanoTime();
      reserved.values().removeIf(old -> now - old.reservedAtNanos() > ABANDONED_NANOS);
      reserved.put(id, new Reserved(u, new ConcurrentHashMap<>(), now));
      json(rc, 201, JSON.createObjectNode().put("cacheId", id));
    }).onFailure(e -> internal(rc, e));
  }

  /** One chunk at its offset; chunks may come in any order, several at a time, each on its own file handle. */
  private void chunk(RoutingContext rc, Reserved r) {
    String range = rc.request().getHeader("Content-Range");
    Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.strip());
    if (m == null || !m.matches() || Long.parseLong(m.group(2)) < Long.parseLong(m.group(1))) {
      json(rc, 400, error("a chunk needs Content-Range: bytes <start>-<end>/*"));
      return;
    }
    long start = Long.parseLong(m.group(1));
    long length = Long.parseLong(m.group(2)) - start + 1;
    rc.vertx().fileSystem().open(r.upload().file().toString(), new OpenOptions().setWrite(true).setCreate(true)
        .setTruncateExisting(false))
        .compose(f -> {
          f.setWritePos(start);
          return rc.request().pipeTo(f).map(v -> f.getWritePos() - start);
        })
        .onSuccess(written -> {
          if (written != length) {
            json(rc, 400, error("the chunk at " + start + " has " + written + " bytes, not the " + length
                + " its Content-Range says"));
            return;
          }
          r.chunks().put(start, length);
          rc.response().setStatusCode(204).end();
        })
        .onFailure(e -> {
          LOG.debugf("cache: a chunk upload failed: %s", e.getMessage());
          if (!rc.response().ended()) {
            json(rc, 500, error("cde cache: chunk upload failed: " + e.getMessage()));
          }
        });
  }

  private void commit(RoutingContext rc, String session, long id, Reserved r, JsonNode body) {
    long size = body.path("size").asLong(-1);
    rc.vertx().executeBlocking(() -> {
      PendingUploads.Upload u = r.upload();
      reserved.remove(id);
      uploads.take(session, u.key(), u.version());
      long received = r.chunks().values().stream().mapToLong(Long::longValue).sum();
      long actual = Files.size(u.file());
      if (size < 0 || actual != size || received != size) {
        Files.deleteIfExists(u.file());
        return error("the upload of " + u.key() + " has " + received + " bytes in chunks (" + actual
            + " in the file), not the " + size + " committed");
      }
      try {
        ArchiveCacheStore.Published p = store.publish(u.scope(), u.key(), u.version(), u.file(), session);
        return p.outcome() == ArchiveCacheStore.Outcome.ALREADY_EXISTS
            ? error("cache entry " + u.key() + " was saved by another job first") : null;
      } catch (ArchiveInspector.CorruptArchiveException | ArchiveInspector.UnsafeArchiveException e) {
        LOG.warnf("cache: session %s: refused %s: %s", session, u.key(), e.getMessage());
        return error("cde cache refused " + u.key() + ": " + e.getMessage());
      }
    }).onSuccess(err -> {
      if (err == null) {
        rc.response().setStatusCode(204).end();
      } else {
        json(rc, 400, err);
      }
    }).onFailure(e -> json(rc, 500, error("publishing the cache entry failed: " + e.getMessage())));
  }

  private static void body(RoutingContext rc, java.util.function.Consumer<JsonNode> then) {
    rc.request().resume();
    rc.request().body().onSuccess(b -> {
      if (b.length() > MAX_JSON) {
        json(rc, 413, error("request body too large"));
        return;
      }
      try {
        then.accept(JSON.readTree(b.length() == 0 ? "{}" : b.toString()));
      } catch (IOException e) {
        json(rc, 400, error("the request body is not JSON"));
      }
    }).onFailure(e -> internal(rc, e));
  }

  /** Where the client reached this bridge is where it reaches the blobs too. */
  private static String base(RoutingContext rc) {
    return rc.request().scheme() + "://" + rc.request().getHeader("Host");
  }

  /**
   * Not {@code rc.fail}: Quarkus's failure handler logs the request's path, which here holds the session's token.
   */
  private static void internal(RoutingContext rc, Throwable e) {
    LOG.errorf("cache: the REST cache protocol failed: %s", e.toString());
    if (!rc.response().ended()) {
      json(rc, 500, error("cde cache: " + e.getMessage()));
    }
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("message", message);
  }

  private static void json(RoutingContext rc, int status, ObjectNode body) {
    rc.request().resume();
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
  }
}
