package dev.cde.bridge.cost.budget;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One session's cost as a budget counts it: an ended session's recorded cost at its end, a running one's cost so far
 * at the time of asking. {@code repository} null: the session ran no job the bridge knows of.
 */
public record Spend(String sessionId, String repository, Instant at, BigDecimal amount, String currency) {
}
