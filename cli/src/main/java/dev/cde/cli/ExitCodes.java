package dev.cde.cli;

import dev.cde.tunnel.message.ExitStatus;

/**
 * Every exit code the {@code cde} command returns, in one place (documented in docs/cli.md).
 * {@code run} and {@code shell} otherwise exit with the remote command's own code, like a shell.
 */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int USAGE = 2;
  public static final int BRIDGE_UNREACHABLE = 3;
  public static final int SESSION_FAILED = 4;
  public static final int AUTH_REFUSED = 5;
  public static final int NOT_FOUND = 6;
  /** {@code cde cache restore --fail-on-cache-miss}: nothing matched the key or the restore keys. */
  public static final int CACHE_MISS = 7;
  /** {@code cde cache restore}: the entry would write or link outside its paths; nothing outside was touched. */
  public static final int CACHE_REFUSED = 8;
  /** The bridge refused a new session because a budget covering it is spent (HTTP 402, docs/costs.md). */
  public static final int BUDGET_EXCEEDED = 9;
  public static final int INTERNAL = 125;
  /** The remote command could not be started (no such program, bad working directory), like a shell's 127. */
  public static final int COMMAND_NOT_STARTED = 127;
  /** Ended by Ctrl-C (128 + SIGINT), as a shell reports it. */
  public static final int INTERRUPTED = 130;
  /** Ended by SIGTERM (128 + 15). */
  public static final int TERMINATED = 143;

  private ExitCodes() {}

  /** The code a shell would give for the remote command's end: its code, or 128 + signal number. */
  public static int of(ExitStatus status) {
    if (status.code() != null) {
      return status.code() & 0xff;
    }
    if (status.signalNumber() != null) {
      return 128 + status.signalNumber();
    }
    return INTERNAL; // a signal we cannot number: say "something went wrong", not "success"
  }
}
