package dev.cde.tunnel;

/** The server refused the WebSocket upgrade (bad token, unknown session, ...). */
public final class TunnelRejectedException extends RuntimeException {
  private final int status;

  public TunnelRejectedException(int status, String body) {
    super("tunnel refused with HTTP " + status + (body == null || body.isBlank() ? "" : ": " + body.strip()));
    this.status = status;
  }

  public int status() {
    return status;
  }
}
