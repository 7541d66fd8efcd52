package dev.cde.bridge.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TcpTargetsTest {
  private static final Set<Integer> BRIDGE = Set.of(8080);

  private static String refusal(String host, int port, boolean sharesHost, String... allowed) {
    return TcpTargets.refusal(host, port, sharesHost, BRIDGE, List.of(allowed)).orElse(null);
  }

  @Test
  void metadataServicesAreRefusedInEverySpelling() {
    for (String host : List.of("169.254.169.254", "169.254.170.2", "[fd00:ec2::254]", "fd00:0ec2:0:0:0:0:0:254",
        "fe80::1", "metadata.google.internal", "METADATA.google.internal.", "metadata")) {
      assertThat(refusal(host, 80, false)).as(host).isNotNull();
    }
    for (String host : List.of("2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518", "0x7f.1")) {
      assertThat(refusal(host, 80, false)).as(host).contains("dotted decimal");
    }
  }

  @Test
  void theBridgesPortIsRefusedOnlyWhereTheInstanceSharesItsHost() {
    for (String host : List.of("127.0.0.1", "127.0.0.53", "localhost", "::1", "[::1]", "0.0.0.0")) {
      assertThat(refusal(host, 8080, true)).as(host).contains("is the bridge itself");
      assertThat(refusal(host, 8080, false)).as(host + " in a pod of its own").isNull();
      assertThat(refusal(host, 5432, true)).as(host + ":5432").isNull();
    }
    assertThat(refusal(null, 8080, true)).contains("is the bridge itself"); // the agent's default host
  }

  @Test
  void ordinaryTargetsPassAndTheOperatorsAllowListWins() {
    assertThat(refusal("10.0.0.7", 5432, false)).isNull();
    assertThat(refusal("db.internal", 5432, false)).isNull(); // names: the agent's CDE_TCP_ALLOW decides
    assertThat(refusal("169.254.169.254", 80, false, "169.254.169.254")).isNull();
    assertThat(refusal("169.254.169.254", 80, false, "169.254.169.254:80")).isNull();
    assertThat(refusal("169.254.169.254", 81, false, "169.254.169.254:80")).isNotNull();
    assertThat(refusal("127.0.0.1", 8080, true, "127.0.0.1:8080")).isNull();
    assertThat(refusal("::1", 8080, true, "[::1]:8080")).isNull();
  }
}
