package dev.cde.bridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The parts of a session's timeline its row does not hold, and what the instance really had. {@code readyAt}: the
 * agent answered (HELLO); {@code jobStartedAt}/{@code jobEndedAt}: what the client told (GitHub's job hooks, the
 * GitLab executor's stages, {@code cde run}). Any of them may be null: not (yet) known.
 */
public record SessionMeter(String sessionId, Instant readyAt, Instant jobStartedAt, Instant jobEndedAt,
    Granted granted) {

  public static SessionMeter none(String sessionId) {
    return new SessionMeter(sessionId, null, null, null, null);
  }

  /** What the agent reported: CPUs, memory (its cgroup limit when there is one), GPUs by name. */
  public record Granted(Double cpu, Long memoryMb, String gpuType, Integer gpuCount) {
    /** From the agent's HELLO as the session stores it; null when it says nothing usable. */
    public static Granted fromHello(JsonNode hello) {
      if (hello == null || !hello.isObject()) {
        return null;
      }
      Double cpu = hello.path("cpus").isNumber() ? hello.path("cpus").asDouble() : null;
      JsonNode bytes = hello.path("memoryBytes").isNumber() ? hello.path("memoryBytes") : hello.path("memory");
      Long memoryMb = bytes.isNumber() ? bytes.asLong() >> 20 : null;
      Set<String> names = new LinkedHashSet<>();
      List<JsonNode> gpus = new ArrayList<>();
      hello.path("gpus").forEach(g -> {
        gpus.add(g);
        if (g.path("name").isTextual()) {
          names.add(g.path("name").asText());
        }
      });
      if (cpu == null && memoryMb == null && gpus.isEmpty()) {
        return null;
      }
      return new Granted(cpu, memoryMb, names.isEmpty() ? null : String.join(", ", names), gpus.size());
    }
  }
}
