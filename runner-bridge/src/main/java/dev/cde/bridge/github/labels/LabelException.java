package dev.cde.bridge.github.labels;

/**
 * A job's labels ask for cde but cannot be read. The message names the label and what is allowed, because
 * it ends up in front of the workflow's author (job log, check run), who cannot see the bridge's logs.
 */
public class LabelException extends RuntimeException {
  public LabelException(String message) {
    super(message);
  }
}
