package dev.cde.tunnel.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** First frame each side sends. The agent fills in what the instance really has. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Hello(
    int protocol,
    String role,
    String software,
    String sessionId,
    Integer cpus,
    Long memoryBytes,
    List<Gpu> gpus,
    String hostname,
    String os) {

  public static Hello of(String role, String software) {
    return new Hello(1, role, software, null, null, null, null, null, null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Gpu(String name, Long memoryMiB, String driver, String uuid) {}
}
