package dev.cde.bridge.cache.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.ArchiveEntry;
import dev.cde.bridge.cache.archive.ArchiveIndex;
import dev.cde.bridge.cache.archive.ArchiveInspector;
import dev.cde.bridge.cache.archive.CacheScope;
import dev.cde.tunnel.auth.InvalidTokenException;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * GitHub's cache service as {@code @actions/cache} 4.x and later speak it (Twirp, JSON, service
 * {@value #SERVICE}): CreateCacheEntry hands out a signed upload URL, the client puts the archive there as it
 * would to Azure Blob Storage, FinalizeCacheEntryUpload publishes it, GetCacheEntryDownloadURL finds one and hands
 * out a signed download URL. The blobs themselves go through {@link BlobRoutes}, streamed, never in memory.
 * The caller's bearer token is a cde session's cache token; the scope is the one the bridge recorded for that
 * session, never something the request says.
 */
@Path("/twirp/" + CacheServiceResource.SERVICE)
@Blocking
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
public class CacheServiceResource {
  static final String SERVICE = "github.actions.results.api.v1.CacheService";
  private static final Logger LOG = Logger.getLogger(CacheServiceResource.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ArchiveCacheStore store;
  private final ArchiveIndex index;
  private final CacheTokens tokens;
  private final PendingUploads uploads;

  public CacheServiceResource(ArchiveCacheStore store, ArchiveIndex index, CacheTokens tokens,
      PendingUploads uploads) {
    this.store = store;
    this.index = index;
    this.tokens = tokens;
    this.uploads = uploads;
  }

  @POST
  @Path("{method}")
  public Response call(@PathParam("method") String method, @HeaderParam("Authorization") String authorization,
      @Context UriInfo uri, String body) {
    String session;
    try {
      session = tokens.session(authorization);
    } catch (InvalidTokenException e) {
      return twirpError(401, "unauthenticated", "cde cache: " + e.getMessage());
    }
    Optional<CacheScope> scope = index.scope(session);
    if (scope.isEmpty()) {
      return twirpError(403, "permission_denied", "cde cache: no cache scope is recorded for session " + session
          + " (its job's repository and ref are not known to the bridge)");
    }
    JsonNode req;
    try {
      req = JSON.readTree(body == null || body.isBlank() ? "{}" : body);
    } catch (IOException e) {
      return twirpError(400, "malformed", "the request body is not JSON");
    }
    String key = req.path("key").asText("");
    String version = req.path("version").asText("");
    if (key.isEmpty() || version.isEmpty()) {
      return twirpError(400, "invalid_argument", "key and version are required");
    }
    return switch (method) {
      case "CreateCacheEntry" -> create(session, scope.get(), key, version, uri);
      case "FinalizeCacheEntryUpload" -> finalizeUpload(session, key, version, req.path("size_bytes").asLong(-1));
      case "GetCacheEntryDownloadURL" -> download(session, scope.get(), key, restoreKeys(req), version,
          req.path(NAS_FIELD).asBoolean(false), uri);
      case REPORT_DAMAGED -> reportDamaged(session, scope.get(), key, version);
      default -> twirpError(404, "bad_route", "no method " + method + " in " + SERVICE);
    };
  }

  private Response create(String session, CacheScope scope, String key, String version, UriInfo uri) {
    if (store.exists(scope, key, version)) {
      return ok(JSON.createObjectNode().put("ok", false).put("message", "cache entry " + key + " already exists in "
          + scope.ref() + "; keys are immutable, the first writer's entry stays"));
    }
    java.nio.file.Path file = store.newUpload();
    PendingUploads.Upload u = uploads.start(session, scope, key, version, file,
        file.resolveSibling(file.getFileName() + ".blocks"));
    return ok(JSON.createObjectNode().put("ok", true)
        .put("signed_upload_url", blobUrl(uri, tokens.blob(BlobRoutes.UPLOAD + u.id()))));
  }

  private Response finalizeUpload(String session, String key, String version, long size) {
    Optional<PendingUploads.Upload> upload = uploads.take(session, key, version);
    if (upload.isEmpty()) {
      return ok(JSON.createObjectNode().put("ok", false).put("message", "no upload of " + key + " is in progress"
          + " for this job"));
    }
    PendingUploads.Upload u = upload.get();
    try {
      long actual = Files.size(u.file());
      if (size >= 0 && actual != size) {
        Files.deleteIfExists(u.file());
        return ok(JSON.createObjectNode().put("ok", false).put("message", "the upload of " + key + " has " + actual
            + " bytes, not the " + size + " announced"));
      }
      ArchiveCacheStore.Published p = store.publish(u.scope(), key, version, u.file(), session,
          u.inspection().get());
      if (p.outcome() == ArchiveCacheStore.Outcome.ALREADY_EXISTS) {
        return ok(JSON.createObjectNode().put("ok", false).put("message", "cache entry " + key + " was saved by"
            + " another job first; keys are immutable, the first writer's entry stays"));
      }
      return ok(JSON.createObjectNode().put("ok", true).put("entry_id", numericId(p.entry().id())));
    } catch (ArchiveInspector.CorruptArchiveException | ArchiveInspector.UnsafeArchiveException e) {
      LOG.warnf("cache: session %s: refused %s: %s", session, key, e.getMessage());
      return ok(JSON.createObjectNode().put("ok", false).put("message", "cde cache refused " + key + ": "
          + e.getMessage()));
    } catch (IOException e) {
      LOG.errorf(e, "cache: session %s: publishing %s failed", session, key);
      return twirpError(500, "internal", "publishing the cache entry failed: " + e.getMessage());
    }
  }

  /**
   * {@code download} with {@code "cde_nas": true} in the request ({@code cde cache restore}, where the NAS is
   * mounted): the answer names the entry's file on the NAS too ({@code "cde_nas": {"path", "size"}}), which the
   * client reads from its read-only mount rather than through this bridge. Its bytes are counted here, at the
   * lookup, and the download URL given with it counts nothing, so a client that falls back to it is not counted
   * twice. Other clients never see the field (they do not ask).
   */
  static final String NAS_FIELD = "cde_nas";

  private Response download(String session, CacheScope scope, String key, List<String> restoreKeys, String version,
      boolean nas, UriInfo uri) {
    Optional<ArchiveCacheStore.Match> m = store.lookup(scope, key, restoreKeys, version, session);
    if (m.isEmpty()) {
      return ok(JSON.createObjectNode().put("ok", false));
    }
    ArchiveEntry entry = m.get().entry();
    ObjectNode answer = JSON.createObjectNode().put("ok", true)
        .put("signed_download_url", blobUrl(uri, tokens.blob(BlobRoutes.DOWNLOAD + entry.id()
            + (nas ? "" : ":" + session))))
        .put("matched_key", entry.key());
    if (nas) {
      answer.putObject(NAS_FIELD).put("path", store.nasPath(entry)).put("size", entry.sizeBytes());
      store.restored(session, entry.sizeBytes());
    }
    return ok(answer);
  }

  /**
   * cde's own method in this service ({@code cde cache restore}; GitHub's clients do not know it): the entry of
   * {@code key} did not read to its end. The bridge reads it again and removes it only when that is so; the
   * answer says which ({@code removed}).
   */
  static final String REPORT_DAMAGED = "CdeReportDamagedCacheEntry";

  private Response reportDamaged(String session, CacheScope scope, String key, String version) {
    try {
      ArchiveCacheStore.Recheck r = store.recheck(scope, key, version, session);
      return ok(JSON.createObjectNode().put("ok", r != ArchiveCacheStore.Recheck.NOT_FOUND)
          .put("removed", r == ArchiveCacheStore.Recheck.REMOVED)
          .put("message", switch (r) {
            case REMOVED -> "the bridge found " + key + " damaged too and removed it; the next save can store it";
            case WHOLE -> "the entry " + key + " reads whole on the bridge; kept";
            case NOT_FOUND -> "no entry " + key + " in this job's scope (removed already?)";
          }));
    } catch (IOException e) {
      LOG.errorf(e, "cache: session %s: re-reading %s failed", session, key);
      return twirpError(500, "internal", "re-reading the cache entry failed: " + e.getMessage());
    }
  }

  private static List<String> restoreKeys(JsonNode req) {
    List<String> keys = new ArrayList<>();
    req.path("restore_keys").forEach(k -> keys.add(k.asText()));
    if (keys.isEmpty()) {
      req.path("restoreKeys").forEach(k -> keys.add(k.asText()));
    }
    return keys;
  }

  /** The service's int64 entry id; ours are UUIDs, so a positive number drawn from one. */
  private static String numericId(String uuid) {
    return Long.toString(UUID.fromString(uuid).getMostSignificantBits() & Long.MAX_VALUE);
  }

  /** Where the client reached this bridge is where it can reach the blobs too. */
  private static String blobUrl(UriInfo uri, String token) {
    return uri.getBaseUri().toString().replaceAll("/+$", "") + BlobRoutes.PATH + token;
  }

  private static Response ok(ObjectNode body) {
    return Response.ok(body.toString(), MediaType.APPLICATION_JSON).build();
  }

  /** Twirp's error body: {@code {"code": ..., "msg": ...}} with the matching HTTP status. */
  static Response twirpError(int status, String code, String msg) {
    return Response.status(status).type(MediaType.APPLICATION_JSON)
        .entity(JSON.createObjectNode().put("code", code).put("msg", msg).toString()).build();
  }
}
