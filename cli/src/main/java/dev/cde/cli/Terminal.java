package dev.cde.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The local terminal for {@code cde shell}, driven through {@code stty} on {@code /dev/tty}.
 *
 * <p>Why no library: JLine (the usual choice) is not available from the Maven repository this project
 * builds against, and all we need is raw mode, the size, and its restore; {@code stty} does exactly that
 * on every Unix, with no native code in our jar.
 */
final class Terminal {
  private static final File TTY = new File("/dev/tty");
  private String saved;

  /** True when we have a controlling terminal and stdin is it (not a pipe). */
  static boolean interactive() {
    return System.console() != null && TTY.exists() && stty("-g") != null;
  }

  /** Raw mode, no echo; remembers the settings to restore. */
  void enterRaw() {
    enter("raw -echo");
  }

  /**
   * For a read-only viewer: keystrokes are neither echoed nor line-buffered (they go nowhere), but
   * Ctrl-C still raises SIGINT, which is how a viewer leaves.
   */
  void enterQuiet() {
    enter("-echo -icanon");
  }

  private void enter(String mode) {
    saved = stty("-g");
    if (saved != null) {
      stty(mode);
    }
  }

  /** Back to the saved settings; safe to call more than once, from any exit path. */
  synchronized void restore() {
    if (saved != null) {
      stty(saved);
      saved = null;
    }
  }

  /** {cols, rows}, or 80x24 when unknown. */
  static int[] size() {
    String s = stty("size");
    if (s != null) {
      String[] p = s.strip().split("\\s+");
      if (p.length == 2) {
        try {
          int rows = Integer.parseInt(p[0]);
          int cols = Integer.parseInt(p[1]);
          if (rows > 0 && cols > 0) {
            return new int[] {cols, rows};
          }
        } catch (NumberFormatException e) {
          // fall through
        }
      }
    }
    return new int[] {80, 24};
  }

  /** Runs {@code stty ARGS < /dev/tty}; returns its output, or null if it failed. */
  private static String stty(String args) {
    try {
      Process p = new ProcessBuilder("sh", "-c", "stty " + args + " < /dev/tty")
          .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return out;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
