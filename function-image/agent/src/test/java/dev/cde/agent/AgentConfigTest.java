package dev.cde.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.tunnel.auth.TunnelTokens;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dial-out settings as the agent reads them: refused with a reason before anything starts. */
class AgentConfigTest {
  static Map<String, String> env(String... kv) {
    Map<String, String> env = new HashMap<>(Map.of("CDE_AGENT_PUBLIC_KEY",
        TunnelTokens.encodePublicKey(TunnelTokens.generateKeyPair().getPublic())));
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return env;
  }

  @Test
  void withoutADialUrlTheAgentListens() {
    assertThat(AgentConfig.fromEnv(env()).dialsOut()).isFalse();
  }

  @Test
  void aDialUrlWithItsTokenMakesTheAgentDialOut() {
    AgentConfig c = AgentConfig.fromEnv(env("CDE_DIAL_OUT_URL", "wss://bridge.example/api/v1/sessions/s-1/agent",
        "CDE_AGENT_DIAL_TOKEN", "t0ken"));
    assertThat(c.dialsOut()).isTrue();
    assertThat(c.dialOutUrl().getHost()).isEqualTo("bridge.example");
    assertThat(c.dialToken()).isEqualTo("t0ken");
  }

  @Test
  void aDialUrlThatIsNotAWebSocketOrHasNoTokenIsRefused() {
    assertThatThrownBy(() -> AgentConfig.fromEnv(env("CDE_DIAL_OUT_URL", "https://bridge.example/agent",
        "CDE_AGENT_DIAL_TOKEN", "t"))).hasMessage("CDE_DIAL_OUT_URL=https://bridge.example/agent is not a ws:// or wss:// URL");
    assertThatThrownBy(() -> AgentConfig.fromEnv(env("CDE_DIAL_OUT_URL", "wss://bri dge/", "CDE_AGENT_DIAL_TOKEN", "t")))
        .hasMessageStartingWith("CDE_DIAL_OUT_URL=wss://bri dge/ is not a URL");
    assertThatThrownBy(() -> AgentConfig.fromEnv(env("CDE_DIAL_OUT_URL", "wss://bridge.example/agent")))
        .hasMessageContaining("CDE_AGENT_DIAL_TOKEN is not");
  }
}
