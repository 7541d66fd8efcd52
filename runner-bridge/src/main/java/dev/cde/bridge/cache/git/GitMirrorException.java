package dev.cde.bridge.cache.git;

/** A clone or fetch that git refused or could not finish; its message never carries a credential. */
public class GitMirrorException extends RuntimeException {
  public GitMirrorException(String message, Throwable cause) {
    super(message, cause);
  }
}
