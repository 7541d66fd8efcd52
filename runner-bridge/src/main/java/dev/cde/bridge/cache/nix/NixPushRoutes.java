package dev.cde.bridge.cache.nix;

import dev.cde.bridge.cache.CappedUpload;
import dev.cde.bridge.problem.Problem;
import dev.cde.bridge.session.InstanceTokens;
import dev.cde.bridge.session.SigningKeys;
import dev.cde.tunnel.auth.InvalidTokenException;
import dev.cde.tunnel.auth.TunnelTokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jboss.logging.Logger;

/**
 * Where instances push the store paths their job built: {@code PUT /nix/push/nar/<nar hash>.nar} (the NAR,
 * streamed to the NAS while its sha256 is computed), then {@code PUT /nix/push/narinfo/<hash>.narinfo} (nix's
 * unsigned narinfo, which the bridge checks, signs and publishes). {@code GET /nix/public-key} tells anyone the
 * key to trust. Outside {@code /api/v1}: instances never hold the API token, only a token for their own session
 * with the audience {@value #PUSH_AUDIENCE}.
 *
 * <p>Plain Vert.x routes, not JAX-RS: a NAR can be gigabytes and must go to disk as it arrives. Quarkus answers
 * 413 to any {@code Content-Length} above {@code quarkus.http.limits.max-body-size} before a route sees it, so
 * clients send NARs chunked and this route enforces {@code cde.cache.nix.max-nar-size} itself.
 */
@ApplicationScoped
public class NixPushRoutes {
  private static final Logger LOG = Logger.getLogger(NixPushRoutes.class);
  /** The audience of the token instances push with; never accepted by an agent or a runner hook. */
  public static final String PUSH_AUDIENCE = "cde-nix-push";
  /** A narinfo is a few lines; a path with thousands of references stays well below this. */
  private static final int MAX_NARINFO_BYTES = 1 << 20;

  private final NixBinaryCache cache;
  private final SigningKeys keys;
  private final InstanceTokens tokens;
  private final Vertx vertx;
  private final long maxNarSize;

  public NixPushRoutes(NixBinaryCache cache, SigningKeys keys, InstanceTokens tokens, Vertx vertx,
      NixCacheConfig config) {
    this.cache = cache;
    this.keys = keys;
    this.tokens = tokens;
    this.vertx = vertx;
    this.maxNarSize = config.maxNarSize().asLongValue();
  }

  void routes(@Observes Router router) {
    router.get("/nix/public-key").handler(rc -> rc.response().putHeader("Content-Type", "text/plain")
        .end(cache.publicKey() + "\n"));
    router.put("/nix/push/nar/:file").handler(this::pushNar);
    router.put("/nix/push/narinfo/:file")
        .handler(BodyHandler.create(false).setBodyLimit(MAX_NARINFO_BYTES))
        .handler(this::pushNarInfo);
  }

  private void pushNar(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    String session = session(rc);
    if (session == null) {
      return;
    }
    String file = rc.pathParam("file");
    String claimed = file.endsWith(".nar") ? file.substring(0, file.length() - 4) : "";
    if (!NixBase32.isValid(claimed, 52)) {
      problem(rc, 400, "Invalid request", "expected nar/<nix base-32 sha256 of the NAR>.nar, got " + file);
      return;
    }
    req.pause();
    vertx.executeBlocking(() -> {
      tokens.requireLive(session); // a push token dies with its session
      return cache.newTempFile();
    }, false)
        .compose(tmp -> vertx.fileSystem().open(tmp.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true))
            .onFailure(e -> deleteQuietly(tmp))
            .onSuccess(out -> receive(rc, session, claimed, tmp, out)))
        .onFailure(e -> {
          if (e instanceof InvalidTokenException) {
            unauthorized(rc, e);
            return;
          }
          LOG.errorf("nix cache: session %s: cannot store an upload: %s", session, e.getMessage());
          problem(rc, 500, "Internal Server Error", "cannot store the upload on the NAS");
        });
  }

  /** Streams the body to {@code tmp}, hashing it on the way. */
  private void receive(RoutingContext rc, String session, String claimed, Path tmp, AsyncFile out) {
    MessageDigest sha256 = sha256();
    CappedUpload.receive(rc.request(), out, maxNarSize, buf -> sha256.update(buf.getBytes()), new CappedUpload.Outcome() {
      @Override
      public void tooLarge() {
        deleteQuietly(tmp);
        problem(rc, 413, "Content Too Large", "a NAR may have at most " + maxNarSize + " bytes"
            + " (cde.cache.nix.max-nar-size)");
        rc.request().connection().close();
      }

      @Override
      public void broken(Throwable e) {
        deleteQuietly(tmp);
      }

      @Override
      public void complete(long size) {
        stored(rc, session, claimed, tmp, out, NixBase32.encode(sha256.digest()));
      }
    });
  }

  private void stored(RoutingContext rc, String session, String claimed, Path tmp, AsyncFile out, String actual) {
    out.close()
        .compose(x -> vertx.executeBlocking(() -> {
          if (!actual.equals(claimed)) {
            deleteQuietly(tmp);
            return false;
          }
          cache.addNar(tmp, actual);
          return true;
        }, false))
        .onSuccess(ok -> {
          if (ok) {
            rc.response().putHeader("Content-Type", "text/plain").end("stored nar/" + actual + ".nar\n");
          } else {
            problem(rc, 400, "Invalid request", "the NAR's sha256 is " + actual + ", not " + claimed);
          }
        })
        .onFailure(e -> {
          deleteQuietly(tmp);
          LOG.errorf("nix cache: session %s: cannot store a NAR: %s", session, e.getMessage());
          problem(rc, 500, "Internal Server Error", "cannot store the NAR on the NAS");
        });
  }

  private void pushNarInfo(RoutingContext rc) {
    String session = session(rc);
    if (session == null) {
      return;
    }
    String file = rc.pathParam("file");
    Buffer body = rc.body().buffer() == null ? Buffer.buffer() : rc.body().buffer();
    vertx.executeBlocking(() -> publish(file, body, session), false)
        .onSuccess(outcome -> rc.response().putHeader("Content-Type", "text/plain")
            .end(outcome.name().toLowerCase(java.util.Locale.ROOT) + "\n"))
        .onFailure(e -> {
          if (e instanceof InvalidTokenException) {
            unauthorized(rc, e);
          } else if (e instanceof IllegalArgumentException) {
            LOG.infof("nix cache: session %s: push of %s refused: %s", session, file, e.getMessage());
            problem(rc, 400, "Invalid request", e.getMessage());
          } else {
            LOG.errorf("nix cache: session %s: cannot publish %s: %s", session, file, e.getMessage());
            problem(rc, 500, "Internal Server Error", "cannot publish on the NAS");
          }
        });
  }

  private NixBinaryCache.Outcome publish(String file, Buffer body, String session) throws IOException {
    tokens.requireLive(session); // a push token dies with its session
    NarInfo info = NarInfo.parse(body.toString(StandardCharsets.UTF_8));
    if (!file.equals(info.hashPart() + ".narinfo")) {
      throw new IllegalArgumentException("the narinfo of " + info.storePath() + " belongs at " + info.hashPart()
          + ".narinfo, not " + file);
    }
    return cache.publish(info, session);
  }

  /** The session the push token names, or null after answering 401. */
  private String session(RoutingContext rc) {
    try {
      return TunnelTokens.verify(keys.publicKey(), PUSH_AUDIENCE,
          TunnelTokens.bearer(rc.request().getHeader("Authorization")), null);
    } catch (InvalidTokenException e) {
      unauthorized(rc, e);
      return null;
    }
  }

  private static void unauthorized(RoutingContext rc, Throwable e) {
    rc.response().putHeader("WWW-Authenticate", "Bearer");
    problem(rc, 401, "Unauthorized", "nix push: " + e.getMessage());
  }

  private static void problem(RoutingContext rc, int status, String title, String detail) {
    if (!rc.response().ended()) {
      rc.response().setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE)
          .end(Problem.of(status, title, detail).toJson());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a stray file under .tmp is harmless; nothing reads it
    }
  }
}
