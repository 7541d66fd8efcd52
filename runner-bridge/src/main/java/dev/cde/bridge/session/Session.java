package dev.cde.bridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.provider.InstanceSpec;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * One session as stored and as the API shows it. {@code startedAt} is when the instance was asked for (its
 * launch), {@code endedAt} when it was released; {@code cost} is set once the session ended, in the currency of
 * its price table, and {@code costUsd} is its total when that currency is USD (null otherwise, so that no reader
 * takes another currency for dollars).
 * {@code name} is the client's own label (e.g. {@code gitlab-<job id>}), so that a client which keeps no
 * state between processes can find its session again; not unique, may be null.
 */
public record Session(String id, SessionState state, String template, double cpu, long memoryMb, String gpuType,
    int gpuCount, long maxDurationSeconds, String provider, String instanceId, String endpoint, Instant createdAt,
    Instant startedAt, Instant endedAt, String endReason, BigDecimal costUsd, CostBreakdown cost, JsonNode agent,
    String name) {

  public static Session pending(String id, InstanceSpec spec, Instant now) {
    return pending(id, null, spec, now);
  }

  public static Session pending(String id, String name, InstanceSpec spec, Instant now) {
    return new Session(id, SessionState.PENDING, spec.template(), spec.cpu(), spec.memoryMb(), spec.gpuType(),
        spec.gpuCount(), spec.maxDurationSeconds(), null, null, null, now, null, null, null, null, null, null, name);
  }

  public InstanceSpec spec() {
    return new InstanceSpec(template, cpu, memoryMb, gpuType, gpuCount, maxDurationSeconds);
  }

  public Session withState(SessionState s) {
    return new Session(id, s, template, cpu, memoryMb, gpuType, gpuCount, maxDurationSeconds, provider, instanceId,
        endpoint, createdAt, startedAt, endedAt, endReason, costUsd, cost, agent, name);
  }

  public Session starting(String providerName, Instant now) {
    return new Session(id, SessionState.STARTING, template, cpu, memoryMb, gpuType, gpuCount, maxDurationSeconds,
        providerName, instanceId, endpoint, createdAt, now, endedAt, endReason, costUsd, cost, agent, name);
  }

  public Session withInstance(String newInstanceId, String newEndpoint) {
    return new Session(id, state, template, cpu, memoryMb, gpuType, gpuCount, maxDurationSeconds, provider,
        newInstanceId, newEndpoint, createdAt, startedAt, endedAt, endReason, costUsd, cost, agent, name);
  }

  public Session running(JsonNode agentInfo) {
    return new Session(id, SessionState.RUNNING, template, cpu, memoryMb, gpuType, gpuCount, maxDurationSeconds,
        provider, instanceId, endpoint, createdAt, startedAt, endedAt, endReason, costUsd, cost, agentInfo, name);
  }

  public Session stopping(String reason) {
    return new Session(id, SessionState.STOPPING, template, cpu, memoryMb, gpuType, gpuCount, maxDurationSeconds,
        provider, instanceId, endpoint, createdAt, startedAt, endedAt, reason, costUsd, cost, agent, name);
  }

  public Session finished(SessionState finalState, Instant now, String reason, CostBreakdown finalCost) {
    return new Session(id, finalState, template, cpu, memoryMb, gpuType, gpuCount, maxDurationSeconds, provider,
        instanceId, endpoint, createdAt, startedAt, now, reason, usd(finalCost), finalCost, agent, name);
  }

  /** The total when the cost is in USD; null in any other currency. */
  public static BigDecimal usd(CostBreakdown cost) {
    return cost != null && "USD".equals(cost.currency()) ? cost.total() : null;
  }
}
