package dev.cde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.tunnel.message.ExitStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExitAndCostTest {

  private static JsonNode json(String s) throws Exception {
    return BridgeClient.JSON.readTree(s);
  }

  @Test
  void exitStatusMapsLikeAShell() {
    assertThat(ExitCodes.of(ExitStatus.code(0))).isZero();
    assertThat(ExitCodes.of(ExitStatus.code(7))).isEqualTo(7);
    assertThat(ExitCodes.of(ExitStatus.code(300))).isEqualTo(300 & 0xff);
    assertThat(ExitCodes.of(ExitStatus.signal("KILL", 9))).isEqualTo(137);
    assertThat(ExitCodes.of(ExitStatus.signal("INT", 2))).isEqualTo(130);
    assertThat(ExitCodes.of(new ExitStatus(null, "WEIRD", null, null))).isEqualTo(ExitCodes.INTERNAL);
    assertThat(ExitCodes.of(ExitStatus.failed("agent lost"))).isEqualTo(255);
  }

  @Test
  void costLine() throws Exception {
    SessionView ended = new SessionView(json("""
        {"id":"s-abc123","state":"ENDED","cpu":1,"memory":"2g","extra":{"x":1},
         "cost":{"priceTable":"local/default","currency":"USD","billedSeconds":2.43,"cpu":0.00005,"memory":0.000008,
                 "gpu":0,"requests":0,"total":0.0000581,"unpriced":[]},"costUsd":0.0000581}"""));
    assertThat(CostLine.format(ended, "s-abc123", ExitStatus.code(7).describe()))
        .isEqualTo("cde: s-abc123 ended: exit code 7 · 2.4 s · 1 vCPU · 2 GiB · $0.000058");
    assertThat(CostLine.format(ended, "s-abc123", ExitStatus.signal("KILL", 9).describe()))
        .isEqualTo("cde: s-abc123 ended: killed by signal KILL · 2.4 s · 1 vCPU · 2 GiB · $0.000058");
  }

  @Test
  void aCostInAnotherCurrencyIsNeverShownAsDollars() throws Exception {
    SessionView yuan = new SessionView(json("""
        {"id":"s-cn","cpu":1,"memoryMb":1024,"cost":{"currency":"CNY","billedSeconds":100,"total":0.0127},"costUsd":null}"""));
    assertThat(CostLine.format(yuan, "s-cn", "stopped")).isEqualTo("cde: s-cn ended: stopped · 1m 40s · 1 vCPU · 1 GiB · 0.012700 CNY");
  }

  @Test
  void costLineToleratesOtherShapes() throws Exception {
    // an older bridge's record: cost.totalUsd
    SessionView old = new SessionView(json("""
        {"id":"s-o","cpu":1,"memory":"2g","cost":{"seconds":3,"cpuUsd":0.00005,"memoryUsd":0.000008,"gpuUsd":0,"totalUsd":0.000058}}"""));
    assertThat(CostLine.format(old, "s-o", "stopped")).isEqualTo("cde: s-o ended: stopped · 3.0 s · 1 vCPU · 2 GiB · $0.000058");
    SessionView v = new SessionView(json("""
        {"id":"s-1","spec":{"cpu":0.5,"memory":"512m","gpu":"t4:2"},"cost":{"seconds":3725},"costUsd":1.5}"""));
    assertThat(CostLine.format(v, "s-1", "stopped")).isEqualTo("cde: s-1 ended: stopped · 1h 02m · 0.5 vCPU · 512 MiB · GPU t4:2 · $1.500000");
    assertThat(CostLine.format(new SessionView(json("{}")), "s-2", "stopped")).isEqualTo("cde: s-2 ended: stopped · cost unknown");
    assertThat(CostLine.duration(75)).isEqualTo("1m 15s");
  }

  @Test
  void costLineFromTheBridgesSessionRecord() throws Exception {
    SessionView v = new SessionView(json("""
        {"id":"s-abc123","state":"ENDED","template":"default","cpu":1.0,"memoryMb":2048,"gpuType":null,"gpuCount":0,
         "maxDurationSeconds":1800,"createdAt":"2026-01-01T00:00:00Z","startedAt":"2026-01-01T00:00:00.100Z",
         "endedAt":"2026-01-01T00:00:02.500Z","endReason":"deleted","costUsd":0.000058,
         "cost":{"priceTable":"local/default","currency":"USD","billedSeconds":2.3,"cpu":0.00005,"memory":0.000008,
                 "gpu":0,"requests":0,"total":0.000058,"unpriced":[]},"agent":{"cpus":1}}""" ));
    assertThat(CostLine.format(v, "x", "exit code 7")).isEqualTo("cde: s-abc123 ended: exit code 7 · 2.4 s · 1 vCPU · 2 GiB · $0.000058");
    SessionView gpu = new SessionView(json("{\"id\":\"s-g\",\"cpu\":4,\"memoryMb\":16384,\"gpuType\":\"t4\",\"gpuCount\":2}"));
    assertThat(gpu.gpu()).isEqualTo("t4:2");
    assertThat(gpu.memoryBytes()).isEqualTo(16L << 30);
  }

  @Test
  void sessionsTable() throws Exception {
    JsonNode list = json("""
        [{"id":"s-abc","state":"RUNNING","template":"default","cpu":2,"memory":"4g","gpu":"t4","createdAt":"2026-01-01T00:00:00Z"},
         {"id":"s-def","state":"ENDED","cpu":1,"memory":"1g","createdAt":"2026-01-01T00:00:50Z","costUsd":0.00123,
          "endReason":"cost cap reached: spent 0.001230 of cap 0.001 USD"}]""");
    List<SessionView> s = SessionsCommand.sessions(list);
    assertThat(SessionsCommand.sessions(json("{\"sessions\":" + list + "}"))).hasSize(2);
    String table = SessionsCommand.table(s, Instant.parse("2026-01-01T00:01:00Z"));
    assertThat(table.lines().toList()).containsExactly(
        "ID     STATE    TEMPLATE  CPU  MEM   GPU  AGE  COST       REASON",
        "s-abc  RUNNING  default   2    4GiB  t4   1m   -          -",
        "s-def  ENDED    -         1    1GiB  -    10s  $0.001230  cost cap reached: spent 0.001230 of cap 0.001 USD");
  }

  @Test
  void problemDetailIsWhatTheUserSees() {
    assertThat(BridgeClient.problemDetail("{\"type\":\"about:blank\",\"title\":\"Bad\",\"status\":400,\"detail\":\"cpu must be > 0\"}"))
        .isEqualTo("cpu must be > 0");
    assertThat(BridgeClient.problemDetail("{\"title\":\"Bad\"}")).isEqualTo("Bad");
    assertThat(BridgeClient.problemDetail("plain text")).isEqualTo("plain text");
  }
}
