package dev.cde.cli;

import dev.cde.tunnel.message.ExitStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** How a remote command ended for `run` and `shell`: its EXIT, or a local signal that came first. */
record CommandOutcome(int exitCode, String description) {

  /**
   * Waits for whichever comes first. A lost connection (the exit future failed) is rethrown as the
   * CliException that explains it.
   */
  static CommandOutcome await(CompletableFuture<ExitStatus> exit, CompletableFuture<Integer> cancel) {
    try {
      CompletableFuture.anyOf(exit, cancel).join();
    } catch (CompletionException e) {
      // the exit future failed: reported below
    }
    if (cancel.isDone() && !exit.isDone()) {
      return new CommandOutcome(cancel.join(), "interrupted");
    }
    try {
      ExitStatus status = exit.join();
      return new CommandOutcome(ExitCodes.of(status), status.describe());
    } catch (CompletionException e) {
      throw e.getCause() instanceof CliException c ? c : e;
    }
  }
}
