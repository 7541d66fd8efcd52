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
    String os,
    ResumeOffer resume) {

  /** Without a resume offer: a peer that cannot resume (or one written before resume existed). */
  public Hello(int protocol, String role, String software, String sessionId, Integer cpus, Long memoryBytes,
      List<Gpu> gpus, String hostname, String os) {
    this(protocol, role, software, sessionId, cpus, memoryBytes, gpus, hostname, os, null);
  }

  public static Hello of(String role, String software) {
    return new Hello(1, role, software, null, null, null, null, null, null, null);
  }

  public Hello withResume(ResumeOffer offer) {
    return new Hello(protocol, role, software, sessionId, cpus, memoryBytes, gpus, hostname, os, offer);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Gpu(String name, Long memoryMiB, String driver, String uuid) {}

  /**
   * The resume capability (docs/protocol.md, "Resume"). A dialer sends an empty one ("I can re-dial and
   * resume"); the accepting side answers with the session's resume id, its secret token and the grace
   * period. Resume is on only when both HELLOs carry one, so a peer without it keeps the old behaviour.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ResumeOffer(String id, String token, Integer graceSeconds) {
    public static final ResumeOffer CAPABLE = new ResumeOffer(null, null, null);
  }
}
