package dev.cde.tunnel.message;

/** Body of OPEN_FAIL, RST and GOAWAY: a numeric {@link dev.cde.tunnel.codec.ErrorCode} and a reason for people. */
public record Failure(int code, String reason) {}
