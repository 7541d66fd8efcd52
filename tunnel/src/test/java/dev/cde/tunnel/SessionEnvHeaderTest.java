package dev.cde.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionEnvHeaderTest {
  static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void roundTrips() {
    Map<String, String> env = Map.of("NIX_CONFIG", "extra-trusted-public-keys = cde:+/=", "EMPTY", "", "U", "ü\n");
    assertThat(SessionEnvHeader.decode(SessionEnvHeader.encode(env))).isEqualTo(env);
  }

  @Test
  void refusesWhatIsNotAnObjectOfStringsAndNeverEchoesTheValue() {
    assertThatThrownBy(() -> SessionEnvHeader.decode("%%%")).hasMessage("X-Cde-Session-Env is not base64url");
    assertThatThrownBy(() -> SessionEnvHeader.decode(b64("[\"secret-token\"]")))
        .hasMessage("X-Cde-Session-Env is not a JSON object of strings");
    assertThatThrownBy(() -> SessionEnvHeader.decode(b64("null"))).hasMessageContaining("not an object of strings");
    assertThatThrownBy(() -> SessionEnvHeader.decode(b64("{\"A\":null}"))).hasMessageContaining("not an object");
    assertThatThrownBy(() -> SessionEnvHeader.decode(b64("{\"A=B\":\"secret-token\"}")))
        .hasMessage("X-Cde-Session-Env names a variable a process environment cannot hold");
    assertThatThrownBy(() -> SessionEnvHeader.decode(b64("{\"\":\"x\"}"))).hasMessageContaining("cannot hold");
    assertThatThrownBy(() -> SessionEnvHeader.decode(b64("{\"A\":\"x\\u0000y\"}"))).hasMessageContaining("cannot hold");
    assertThatThrownBy(() -> SessionEnvHeader.decode("A".repeat(SessionEnvHeader.MAX_LENGTH + 1)))
        .hasMessageContaining("longer than");
  }
}
