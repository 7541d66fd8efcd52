package dev.cde.bridge.provider;

/** An instance could not be launched; the message is shown to the user as the session's end reason. */
public class ProviderException extends Exception {
  public ProviderException(String message) {
    super(message);
  }

  public ProviderException(String message, Throwable cause) {
    super(message, cause);
  }
}
