package dev.cde.bridge.cache.actions;

import dev.cde.bridge.cache.archive.StreamInspection;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * An upload's body as Vert.x pipes it: each chunk goes to the {@link StreamInspection} that writes it to the
 * upload's file and reads it through. Full while that one's queue is, so a slow disk or a slow inspection pauses
 * the sender (Vert.x's pipe does that) and never buffers more; ended once every byte is in the file.
 */
final class InspectingFileStream implements WriteStream<Buffer> {
  private final StreamInspection inspection;
  private final Context context;
  private Handler<Void> drainHandler;

  InspectingFileStream(StreamInspection inspection, Context context) {
    this.inspection = inspection;
    this.context = context;
    inspection.drainHandler(() -> context.runOnContext(v -> drained()));
  }

  private void drained() {
    Handler<Void> h = drainHandler;
    if (h != null && !writeQueueFull()) {
      drainHandler = null;
      h.handle(null);
    }
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this; // writing fails at the end, through end()'s future
  }

  @Override
  public Future<Void> write(Buffer data) {
    inspection.feed(data);
    return Future.succeededFuture();
  }

  @Override
  public void write(Buffer data, Handler<AsyncResult<Void>> handler) {
    write(data).onComplete(handler);
  }

  @Override
  public void end(Handler<AsyncResult<Void>> handler) {
    end().onComplete(handler);
  }

  /** Completes (on this stream's context) once every byte is in the file. */
  @Override
  public Future<Void> end() {
    Promise<Void> done = Promise.promise();
    inspection.end().whenComplete((v, e) -> context.runOnContext(x -> {
      if (e == null) {
        done.complete();
      } else {
        done.fail(e);
      }
    }));
    return done.future();
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this; // the inspection's own bound holds
  }

  @Override
  public boolean writeQueueFull() {
    return inspection.full();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    drainHandler = handler;
    context.runOnContext(v -> drained()); // it may have drained already
    return this;
  }
}
