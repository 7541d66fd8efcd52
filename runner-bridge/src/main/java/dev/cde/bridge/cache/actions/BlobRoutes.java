package dev.cde.bridge.cache.actions;

import dev.cde.bridge.cache.ByteRange;
import dev.cde.bridge.cache.archive.ArchiveCacheStore;
import dev.cde.bridge.cache.archive.ArchiveEntry;
import dev.cde.bridge.cache.archive.StreamInspection;
import dev.cde.tunnel.auth.InvalidTokenException;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.jboss.logging.Logger;

/**
 * The signed blob URLs of the cache service. Uploads arrive as the Azure Blob Storage SDK sends them, which is
 * what {@code @actions/cache} uses on the URL CreateCacheEntry returned: one Put Blob for a small archive, or Put
 * Block for each block and a Put Block List to join them. Downloads are a plain GET (with Range). Both stream
 * between the socket and the NAS on the Vert.x router, so an archive is never held in memory, whatever its size.
 */
@ApplicationScoped
public class BlobRoutes {
  static final String PATH = "/_cde/cache/blob/";
  static final String UPLOAD = "u:";
  static final String DOWNLOAD = "d:";
  /** A block list names at most 50,000 blocks of about 60 bytes each. */
  private static final int MAX_BLOCK_LIST_BYTES = 4 << 20;
  private static final Logger LOG = Logger.getLogger(BlobRoutes.class);
  /** Uploads inspected while they arrive at once; more wait (paused, not refused) for a thread. */
  private static final int INSPECTORS = 64;

  private final CacheTokens tokens;
  private final PendingUploads uploads;
  private final ArchiveCacheStore store;
  private final WorkerExecutor inspectors;

  public BlobRoutes(CacheTokens tokens, PendingUploads uploads, ArchiveCacheStore store, Vertx vertx) {
    this.tokens = tokens;
    this.uploads = uploads;
    this.store = store;
    // One thread per upload in progress reads it through as it arrives; hours, not the default minute, before
    // Vert.x calls such a thread blocked: a large archive over a slow link takes that long.
    this.inspectors = vertx.createSharedWorkerExecutor("cde-cache-inspect", INSPECTORS, 6, TimeUnit.HOURS);
  }

  void routes(@Observes Router router) {
    router.route(PATH + ":token").order(-900).handler(this::handle);
  }

  private void handle(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    req.pause(); // nothing is read before we know where it goes
    String subject;
    try {
      subject = tokens.blobSubject(rc.pathParam("token"));
    } catch (InvalidTokenException e) {
      fail(rc, 403, "cde cache: " + e.getMessage());
      return;
    }
    if (req.method() == HttpMethod.PUT && subject.startsWith(UPLOAD)) {
      Optional<PendingUploads.Upload> u = uploads.get(subject.substring(UPLOAD.length()));
      if (u.isEmpty()) {
        fail(rc, 404, "cde cache: this upload was finalized or abandoned");
        return;
      }
      upload(rc, u.get());
    } else if ((req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) && subject.startsWith(DOWNLOAD)) {
      String[] parts = subject.substring(DOWNLOAD.length()).split(":", 2);
      rc.vertx().executeBlocking(() -> store.entry(parts[0]))
          .onSuccess(e -> download(rc, e, parts.length > 1 ? parts[1] : null))
          .onFailure(e -> internal(rc, e));
    } else {
      fail(rc, 405, "cde cache: " + req.method() + " is not allowed on this URL");
    }
  }

  private void upload(RoutingContext rc, PendingUploads.Upload u) {
    HttpServerRequest req = rc.request();
    String comp = req.getParam("comp");
    if (comp == null) {
      receiveInspected(rc, u);
    } else if (comp.equals("block")) {
      String blockId = req.getParam("blockid");
      if (blockId == null || blockId.isEmpty()) {
        fail(rc, 400, "Put Block without blockid");
        return;
      }
      rc.vertx().executeBlocking(() -> Files.createDirectories(u.blocks()))
          .onSuccess(dir -> receive(rc, dir.resolve(blockFile(blockId))))
          .onFailure(e -> internal(rc, e));
    } else if (comp.equals("blocklist")) {
      req.resume();
      req.body().onSuccess(body -> {
        if (body.length() > MAX_BLOCK_LIST_BYTES) {
          fail(rc, 413, "block list too long");
          return;
        }
        rc.vertx().executeBlocking(() -> {
          join(u, blockIds(body.toString(StandardCharsets.UTF_8)));
          return null;
        }).onSuccess(x -> created(rc)).onFailure(e -> fail(rc, 400, "cde cache: " + e.getMessage()));
      }).onFailure(e -> internal(rc, e));
    } else {
      fail(rc, 400, "cde cache does not take comp=" + comp);
    }
  }

  /**
   * Put Block: streams the request body into the block's file, replacing what a failed try left, through the
   * same worker-side writing as Put Blob (nothing inspected yet: the block list joins and inspects).
   */
  private void receive(RoutingContext rc, Path file) {
    StreamInspection block = StreamInspection.receiveOnly(file, this::inspecting);
    rc.request().pipeTo(new InspectingFileStream(block, rc.vertx().getOrCreateContext()))
        .onSuccess(x -> created(rc))
        .onFailure(e -> {
          block.discard();
          LOG.debugf("cache: upload to %s failed: %s", file, e.getMessage());
          if (!rc.response().ended()) {
            fail(rc, 500, "cde cache: upload failed: " + e);
          }
        });
  }

  /** Runs {@code r} on a thread of its own from the inspectors' pool. */
  private void inspecting(Runnable r) {
    inspectors.executeBlocking(() -> {
      r.run();
      return null;
    }, false);
  }

  /**
   * Put Blob: streams the request body into the upload's file and, at the same time, through an inspection
   * (StreamInspection), so that finalizing need not read the archive again. A try that fails counts for nothing;
   * a retry replaces the file and its inspection.
   */
  private void receiveInspected(RoutingContext rc, PendingUploads.Upload u) {
    StreamInspection inspection = inspect(u);
    rc.request().pipeTo(new InspectingFileStream(inspection, rc.vertx().getOrCreateContext()))
        .onSuccess(x -> created(rc))
        .onFailure(e -> {
          inspection.discard();
          LOG.debugf("cache: upload to %s failed: %s", u.file(), e.getMessage());
          if (!rc.response().ended()) {
            fail(rc, 500, "cde cache: upload failed: " + e);
          }
        });
  }

  /** A new inspection of the upload's file, in place of the one a failed or earlier try started. */
  private StreamInspection inspect(PendingUploads.Upload u) {
    StreamInspection inspection = StreamInspection.start(u.file(),
        u.version().startsWith(ArchiveCacheStore.CDE_VERSION_PREFIX), this::inspecting);
    StreamInspection previous = u.inspection().getAndSet(inspection);
    if (previous != null) {
      previous.discard();
    }
    return inspection;
  }

  /**
   * Put Block List: the blocks in the list's order become the upload's file, read through by an inspection on
   * their way there (one pass, as for Put Blob; finalizing then takes its verdict). Blocking (runs on a worker).
   */
  private void join(PendingUploads.Upload u, List<String> ids) throws IOException {
    for (String id : ids) {
      if (!Files.exists(u.blocks().resolve(blockFile(id)))) {
        throw new IOException("the block list names block " + id + ", which was not uploaded");
      }
    }
    StreamInspection inspection = inspect(u);
    try {
      for (String id : ids) {
        try (InputStream in = Files.newInputStream(u.blocks().resolve(blockFile(id)))) {
          byte[] chunk;
          while ((chunk = in.readNBytes(1 << 20)).length > 0) {
            inspection.feedWaiting(Buffer.buffer(chunk));
          }
        }
      }
      inspection.end().get(1, TimeUnit.HOURS);
    } catch (IOException e) {
      inspection.discard();
      throw e;
    } catch (InterruptedException e) {
      inspection.discard();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while joining the blocks");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      inspection.discard();
      throw new IOException("joining the blocks failed: " + e.getCause(), e);
    }
    try (var left = Files.list(u.blocks())) {
      for (Path p : left.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(u.blocks());
  }

  /** Block ids in document order, whatever list (Latest, Committed, Uncommitted) they sit in. */
  static List<String> blockIds(String xml) throws IOException {
    XMLInputFactory f = XMLInputFactory.newFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    List<String> ids = new ArrayList<>();
    try {
      XMLStreamReader r = f.createXMLStreamReader(new StringReader(xml));
      while (r.hasNext()) {
        if (r.next() == XMLStreamReader.START_ELEMENT && r.getLocalName().matches("Latest|Committed|Uncommitted")) {
          ids.add(r.getElementText().strip());
        }
      }
    } catch (XMLStreamException e) {
      throw new IOException("the block list is not XML: " + e.getMessage(), e);
    }
    return ids;
  }

  private static String blockFile(String blockId) {
    return HexFormat.of().formatHex(blockId.getBytes(StandardCharsets.UTF_8)) + ".block";
  }

  private void download(RoutingContext rc, Optional<ArchiveEntry> entry, String session) {
    if (entry.isEmpty()) {
      fail(rc, 404, "cde cache: this entry was evicted");
      return;
    }
    Path file = store.file(entry.get());
    long size = entry.get().sizeBytes();
    Optional<ByteRange> asked = ByteRange.of(rc.request().getHeader("Range"), size);
    if (asked.isEmpty()) {
      rc.response().setStatusCode(416).putHeader("Content-Range", "bytes */" + size).end();
      return;
    }
    ByteRange range = asked.get();
    if (range.partial()) {
      rc.response().setStatusCode(206).putHeader("Content-Range", range.contentRange(size));
    }
    long from = range.from();
    long length = range.length();
    rc.response().putHeader("Content-Type", "application/octet-stream").putHeader("Accept-Ranges", "bytes");
    if (rc.request().method() == HttpMethod.HEAD) {
      rc.response().putHeader("Content-Length", Long.toString(length)).end();
      return;
    }
    rc.response().sendFile(file.toString(), from, length).onSuccess(x -> {
      if (session != null) {
        rc.vertx().executeBlocking(() -> {
          store.restored(session, length);
          return null;
        });
      }
    });
  }

  private static void created(RoutingContext rc) {
    // What Azure answers: the SDK checks the status, and reads these headers if they are there.
    rc.response().setStatusCode(201).putHeader("x-ms-request-id", java.util.UUID.randomUUID().toString())
        .putHeader("x-ms-version", "2024-08-04").putHeader("x-ms-request-server-encrypted", "false").end();
  }

  /** Not {@code rc.fail}: Quarkus's failure handler logs the request's path, which holds a signed token. */
  private static void internal(RoutingContext rc, Throwable e) {
    LOG.errorf("cache: a blob transfer failed: %s", e.toString());
    if (!rc.response().ended()) {
      fail(rc, 500, "cde cache: " + e.getMessage());
    }
  }

  private static void fail(RoutingContext rc, int status, String message) {
    rc.request().resume();
    rc.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(message + "\n");
  }
}
