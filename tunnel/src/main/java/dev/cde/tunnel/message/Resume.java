package dev.cde.tunnel.message;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * RESUME body: the first frame on a connection that continues a dropped session. {@code received} is the
 * number of sequenced frames the sender got on that session so far; the peer replays everything after it.
 * The dialer also proves, with the token from the acceptor's HELLO, that the session is its own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Resume(String id, String token, long received) {}
