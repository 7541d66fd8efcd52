package dev.cde.tunnel;

import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.message.OpenRequest;

/** An OPEN from the peer, waiting for this side to accept or refuse it (each open is authorized on its own). */
public interface IncomingOpen {
  OpenRequest request();

  TunnelSession session();

  /** Sends OPEN_OK. Events that arrive before handlers are set are held until the next loop turn. */
  Channel accept();

  /** Sends OPEN_FAIL with a reason the person on the other end will read. */
  void reject(ErrorCode code, String reason);
}
