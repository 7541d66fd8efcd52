package dev.cde.bridge.relay;

import dev.cde.tunnel.message.ExitStatus;
import io.vertx.core.buffer.Buffer;

/**
 * Someone watching a session's terminal who is not a tunnel channel (the dashboard's read-only view). Called on
 * the instance tunnel's event loop: implementations queue and return. A viewer never slows the terminal: one whose
 * queue is full is dropped with {@link #closed(String, boolean)} {@code tooSlow}.
 */
public interface TerminalViewer {
  /** Whether more output would only pile up; the viewer is then dropped rather than waited for. */
  boolean writeQueueFull();

  /** Output of the terminal, shared with the other viewers: read it, never change it. */
  void write(Buffer output);

  /** The terminal's size, on attach (when known) and on every resize by its owner. */
  void resized(int cols, int rows);

  /** The terminal's process ended; nothing follows. */
  void exited(ExitStatus status);

  /** The terminal went away without an exit, or this viewer was too slow; nothing follows. */
  void closed(String reason, boolean tooSlow);
}
