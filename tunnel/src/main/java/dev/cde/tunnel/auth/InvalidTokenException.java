package dev.cde.tunnel.auth;

/** A tunnel token was missing, forged, expired or for another session. The message never holds the token. */
public final class InvalidTokenException extends RuntimeException {
  public InvalidTokenException(String reason) {
    super(reason);
  }
}
