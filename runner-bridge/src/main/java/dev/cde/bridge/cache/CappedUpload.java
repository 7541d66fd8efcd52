package dev.cde.bridge.cache;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Consumer;

/**
 * Streams a request body into an open file on the NAS with a byte limit, back-pressure through pause/resume, for
 * the cache uploads that can be gigabytes and must never be held in memory (nix NARs, GitLab cache objects). The
 * limit is met as bytes arrive, so a chunked body without a length is held to it too.
 */
public final class CappedUpload {
  private CappedUpload() {}

  /** How an upload ended. Exactly one of these is called, once. */
  public interface Outcome {
    /** More than the limit arrived; the file is closed (the caller removes it and answers). */
    void tooLarge();

    /** The client went away or the connection broke; the file is closed. */
    void broken(Throwable e);

    /** The whole body is in the file, which is still open: the caller closes it. */
    void complete(long size);
  }

  /** {@code each} sees every chunk before it is written (a digest), or is null. Resumes the request. */
  public static void receive(HttpServerRequest req, AsyncFile out, long max, Consumer<Buffer> each, Outcome outcome) {
    long[] size = {0};
    boolean[] done = {false};
    req.handler(buf -> {
      if (done[0]) {
        return;
      }
      size[0] += buf.length();
      if (size[0] > max) {
        done[0] = true;
        out.close().onComplete(x -> outcome.tooLarge());
        return;
      }
      if (each != null) {
        each.accept(buf);
      }
      out.write(buf);
      if (out.writeQueueFull()) {
        req.pause();
        out.drainHandler(v -> req.resume());
      }
    });
    req.exceptionHandler(e -> {
      if (!done[0]) {
        done[0] = true;
        out.close().onComplete(x -> outcome.broken(e));
      }
    });
    req.endHandler(v -> {
      if (!done[0]) {
        done[0] = true;
        outcome.complete(size[0]);
      }
    });
    req.resume();
  }
}
