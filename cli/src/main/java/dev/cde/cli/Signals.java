package dev.cde.cli;

import sun.misc.Signal;

/**
 * POSIX signal handlers. {@code sun.misc.Signal} (module jdk.unsupported) is the only way plain Java
 * can react to SIGINT without dying and to SIGWINCH at all; it is supported on every JDK we run on.
 */
public final class Signals {
  private Signals() {}

  /** Replaces the JVM's default action for {@code name} ("INT", "TERM", "WINCH"); false if the OS has no such signal. */
  public static boolean handle(String name, Runnable action) {
    try {
      Signal.handle(new Signal(name), s -> action.run());
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
