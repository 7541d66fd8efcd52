package dev.cde.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.problem.InvalidRequestException;
import dev.cde.bridge.provider.InstanceSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionSpecParserTest {
  static final SessionConfig DEFAULTS = new SessionConfig() {
    public String defaultTemplate() { return "default"; }
    public double defaultCpu() { return 1; }
    public String defaultMemory() { return "2g"; }
    public String defaultMaxDuration() { return "1h"; }
    public Duration agentIdleTimeout() { return Duration.ofMinutes(10); }
    public Duration resumeGrace() { return Duration.ofSeconds(60); }
    public Duration connectTimeout() { return Duration.ofSeconds(60); }
    public String reconcileEvery() { return "5s"; }
    public Duration waitTimeout() { return Duration.ofSeconds(60); }
  };

  @Test
  void memoryUnits() {
    assertThat(SessionSpecParser.memoryMb("4g")).isEqualTo(4096);
    assertThat(SessionSpecParser.memoryMb("4G")).isEqualTo(4096);
    assertThat(SessionSpecParser.memoryMb("4Gi")).isEqualTo(4096);
    assertThat(SessionSpecParser.memoryMb("512m")).isEqualTo(512);
    assertThat(SessionSpecParser.memoryMb("512MiB")).isEqualTo(512);
    assertThat(SessionSpecParser.memoryMb("4096")).isEqualTo(4096);
  }

  @Test
  void memoryIsParsedStrictly() {
    for (String bad : new String[] {"", "4.5g", "-1", "4x", "g", "4 g b", "4tb", "0x10"}) {
      assertThatThrownBy(() -> SessionSpecParser.memoryMb(bad)).as(bad)
          .isInstanceOf(InvalidRequestException.class).hasMessageContaining("memory '" + bad + "' is not understood");
    }
  }

  @Test
  void durations() {
    assertThat(SessionSpecParser.durationSeconds("90s")).isEqualTo(90);
    assertThat(SessionSpecParser.durationSeconds("30m")).isEqualTo(1800);
    assertThat(SessionSpecParser.durationSeconds("2h")).isEqualTo(7200);
    assertThat(SessionSpecParser.durationSeconds("600")).isEqualTo(600);
    assertThatThrownBy(() -> SessionSpecParser.durationSeconds("1d")).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> SessionSpecParser.durationSeconds("1h30m")).isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void defaults() {
    InstanceSpec spec = SessionSpecParser.parse(null, DEFAULTS);
    assertThat(spec).isEqualTo(new InstanceSpec("default", 1, 2048, null, 0, 3600));
  }

  @Test
  void fullRequest() {
    InstanceSpec spec = SessionSpecParser.parse(new CreateSessionRequest("ollama", 4.0, "16g", "T4:2", "30m"), DEFAULTS);
    assertThat(spec).isEqualTo(new InstanceSpec("ollama", 4, 16384, "t4", 2, 1800));
    assertThat(SessionSpecParser.parse(new CreateSessionRequest(null, null, null, "l4", null), DEFAULTS).gpuCount())
        .isEqualTo(1);
    // "none" asks for no GPU, as the reports write it
    assertThat(SessionSpecParser.parse(new CreateSessionRequest(null, null, null, "None", null), DEFAULTS))
        .extracting(InstanceSpec::gpuType, InstanceSpec::gpuCount).containsExactly(null, 0);
  }

  @Test
  void ranges() {
    assertThatThrownBy(() -> parse(0.1, null, null, null)).hasMessageContaining("cpu 0.1 is out of range");
    assertThatThrownBy(() -> parse(65.0, null, null, null)).hasMessageContaining("out of range");
    assertThatThrownBy(() -> parse(null, "64m", null, null)).hasMessageContaining("memory '64m' is out of range");
    assertThatThrownBy(() -> parse(null, "257g", null, null)).hasMessageContaining("out of range");
    assertThatThrownBy(() -> parse(null, null, "5s", null)).hasMessageContaining("maxDuration '5s' is out of range");
    assertThatThrownBy(() -> parse(null, null, "25h", null)).hasMessageContaining("out of range");
    assertThatThrownBy(() -> parse(null, null, null, "t4:0")).hasMessageContaining("gpu count 0");
    assertThatThrownBy(() -> parse(null, null, null, "t4:x")).hasMessageContaining("gpu 't4:x' is not understood");
    assertThat(parse(0.25, "128m", "10s", null).cpu()).isEqualTo(0.25);
    assertThat(parse(64.0, "256g", "24h", null).memoryMb()).isEqualTo(262144);
  }

  @Test
  void sessionIds() {
    String id = SessionIds.next();
    assertThat(id).matches("s-[a-z2-7]{10}");
    assertThat(SessionIds.looksValid(id)).isTrue();
  }

  private static InstanceSpec parse(Double cpu, String memory, String duration, String gpu) {
    return SessionSpecParser.parse(new CreateSessionRequest(null, cpu, memory, gpu, duration), DEFAULTS);
  }
}
