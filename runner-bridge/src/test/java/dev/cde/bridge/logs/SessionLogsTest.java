package dev.cde.bridge.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.session.SessionEnded;
import dev.cde.bridge.session.SessionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionLogsTest {
  @TempDir
  Path dir;

  @Test
  void appendsInOrderAndReopensAfterTheSessionEnded() throws Exception {
    SessionLogs logs = new SessionLogs(dir, 1024);
    assertThat(logs.file("s-abcdefghij")).isEmpty();
    logs.append("s-abcdefghij", "one\n".getBytes(StandardCharsets.UTF_8));
    logs.append("s-abcdefghij", "two\n".getBytes(StandardCharsets.UTF_8));
    logs.onEnded(new SessionEnded("s-abcdefghij", SessionState.ENDED));
    logs.append("s-abcdefghij", "late\n".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.readString(logs.file("s-abcdefghij").orElseThrow())).isEqualTo("one\ntwo\nlate\n");
  }

  @Test
  void stopsAtTheLimitAndSaysSo() throws Exception {
    SessionLogs logs = new SessionLogs(dir, 10);
    logs.append("s-abcdefghij", "12345678".getBytes(StandardCharsets.UTF_8));
    logs.append("s-abcdefghij", "ABCDEFGH".getBytes(StandardCharsets.UTF_8));
    logs.append("s-abcdefghij", "never".getBytes(StandardCharsets.UTF_8));
    String text = Files.readString(logs.file("s-abcdefghij").orElseThrow());
    assertThat(text).startsWith("12345678AB\ncde: this log reached its limit of 10 bytes").doesNotContain("never");
  }

  @Test
  void anIdThatIsAPathIsRefused() {
    SessionLogs logs = new SessionLogs(dir, 10);
    assertThatThrownBy(() -> logs.append("../../etc/passwd", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(logs.file("../x")).isEmpty();
  }
}
