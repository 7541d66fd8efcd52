package dev.cde.bridge.replica;

import java.time.Instant;

/** One row of {@code leases}: who holds {@code name} until when, and which process that is. */
public record Lease(String name, String holder, String host, long pid, Instant expiresAt) {
}
