package dev.cde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A session this command uses: one it created (and so must end, on every exit path, exactly once) or
 * an existing one it only borrows (never ended by us).
 */
final class SessionLease {
  private final BridgeClient client;
  private final String id;
  private final boolean owned;
  private final AtomicBoolean ended = new AtomicBoolean();

  private SessionLease(BridgeClient client, String id, boolean owned) {
    this.client = client;
    this.id = id;
    this.owned = owned;
  }

  /**
   * Creates a session and waits until it runs. If {@code cancel} completes first (Ctrl-C), the session
   * is ended as soon as the bridge tells its id, and this throws exit 130.
   */
  static SessionLease create(BridgeClient client, ObjectNode spec, CompletableFuture<Integer> cancel) {
    CompletableFuture<JsonNode> created = client.createSession(spec);
    try {
      CompletableFuture.anyOf(created, cancel).get();
      if (!created.isDone()) {
        created.thenAccept(rec -> endQuietly(client, new SessionView(rec).id()));
        try {
          created.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          // best effort: the bridge's reconciler ends what we could not
        }
        throw new CliException(cancel.join(), "interrupted while the session was starting");
      }
      String id = new SessionView(created.get()).id();
      if (id == null) {
        throw new CliException(ExitCodes.INTERNAL, "the bridge created a session without an id");
      }
      return new SessionLease(client, id, true);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof CliException c ? c
          : new CliException(ExitCodes.INTERNAL, "creating the session failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.INTERRUPTED, "interrupted");
    }
  }

  /** An existing session, checked to exist (exit 6 otherwise). */
  static SessionLease borrow(BridgeClient client, String id) {
    SessionView s = new SessionView(client.session(id));
    if (s.state() != null && !"RUNNING".equals(s.state())) {
      throw new CliException(ExitCodes.SESSION_FAILED, "session " + id + " is " + s.state() + ", not RUNNING");
    }
    return new SessionLease(client, id, false);
  }

  String id() {
    return id;
  }

  boolean owned() {
    return owned;
  }

  /**
   * Ends an owned session once and prints its cost line; later calls and borrowed sessions do nothing.
   * Failures are reported on {@code err}, never thrown: this runs on exit paths.
   */
  void end(String how, PrintStream err) {
    if (!owned || !ended.compareAndSet(false, true)) {
      return;
    }
    try {
      SessionView v = new SessionView(client.endSession(id));
      err.println(CostLine.format(v, id, how));
    } catch (CliException e) {
      err.println("cde: could not end session " + id + ": " + e.getMessage());
    } catch (RuntimeException e) {
      err.println("cde: could not end session " + id + ": " + e);
    }
    err.flush();
  }

  private static void endQuietly(BridgeClient client, String id) {
    if (id != null) {
      try {
        client.endSession(id);
      } catch (RuntimeException e) {
        // best effort
      }
    }
  }
}
