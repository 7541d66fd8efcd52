package dev.cde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {
  @TempDir
  Path dir;

  @Test
  void theEnvironmentBeatsTheFile() throws Exception {
    Files.writeString(dir.resolve("api-token"), "from-file\n");
    CliEnv env = new CliEnv(Map.of("CDE_HOME", dir.toString(), "CDE_API_TOKEN", "from-env"), Path.of("/nonexistent"));
    assertThat(env.apiToken()).isEqualTo("from-env");
  }

  @Test
  void theFileUnderCdeHomeIsReadAndTrimmed() throws Exception {
    Files.writeString(dir.resolve("api-token"), "  from-file\n");
    assertThat(new CliEnv(Map.of("CDE_HOME", dir.toString()), Path.of("/nonexistent")).apiToken()).isEqualTo("from-file");
  }

  @Test
  void cdeHomeDefaultsToDotCdeInTheUsersHome() throws Exception {
    Files.createDirectories(dir.resolve(".cde"));
    Files.writeString(dir.resolve(".cde/api-token"), "t1");
    CliEnv env = new CliEnv(Map.of(), dir);
    assertThat(env.home()).isEqualTo(dir.resolve(".cde"));
    assertThat(env.apiToken()).isEqualTo("t1");
  }

  @Test
  void aMissingFileIsAClearError() {
    CliEnv env = new CliEnv(Map.of("CDE_HOME", dir.toString()), dir);
    assertThatThrownBy(env::apiToken).isInstanceOf(CliException.class)
        .hasMessageContaining("CDE_API_TOKEN").hasMessageContaining(dir.resolve("api-token").toString())
        .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(ExitCodes.AUTH_REFUSED));
  }

  @Test
  void bridgeUrl() {
    CliEnv def = new CliEnv(Map.of(), dir);
    assertThat(def.bridgeUrl().toString()).isEqualTo("http://127.0.0.1:8080");
    assertThat(def.bridgeIsLocal()).isTrue();
    assertThat(def.bridgePort()).isEqualTo(8080);
    CliEnv remote = new CliEnv(Map.of("CDE_BRIDGE_URL", "https://cde.example.org/"), dir);
    assertThat(remote.bridgeUrl().toString()).isEqualTo("https://cde.example.org");
    assertThat(remote.bridgeIsLocal()).isFalse();
    assertThat(TunnelConnector.tunnelUri(remote.bridgeUrl(), "s-1").toString())
        .isEqualTo("wss://cde.example.org/api/v1/sessions/s-1/tunnel");
    assertThat(TunnelConnector.tunnelUri(def.bridgeUrl(), "s-1").toString())
        .isEqualTo("ws://127.0.0.1:8080/api/v1/sessions/s-1/tunnel");
    assertThatThrownBy(() -> new CliEnv(Map.of("CDE_BRIDGE_URL", "ftp://x"), dir).bridgeUrl())
        .isInstanceOf(CliException.class);
  }
}
