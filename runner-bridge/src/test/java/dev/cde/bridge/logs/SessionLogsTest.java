package dev.cde.bridge.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.session.SessionEnded;
import dev.cde.bridge.session.SessionState;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  @Test
  void followersHearAppendsAndTheEndAndLeaveNothingBehind() {
    SessionLogs logs = new SessionLogs(dir, 1024);
    List<String> heard = new ArrayList<>();
    SessionLogs.Follower f = new SessionLogs.Follower() {
      @Override
      public void appended() {
        heard.add("appended");
      }

      @Override
      public void ended() {
        heard.add("ended");
      }
    };
    logs.follow("s-abcdefghij", f);
    assertThat(logs.followers("s-abcdefghij")).isEqualTo(1);
    logs.append("s-abcdefghij", new byte[] {1});
    logs.append("s-otherother", new byte[] {2});
    logs.onEnded(new SessionEnded("s-abcdefghij", SessionState.ENDED));
    logs.unfollow("s-abcdefghij", f);
    logs.append("s-abcdefghij", new byte[] {3});
    assertThat(heard).containsExactly("appended", "ended");
    assertThat(logs.followers("s-abcdefghij")).isZero();
  }

  @Test
  void tailCountsLinesLikeTailDoes() throws Exception {
    assertThat(tail("a\nb\nc\n", 2)).isEqualTo("b\nc\n");
    assertThat(tail("a\nb\nc", 2)).isEqualTo("b\nc");
    assertThat(tail("a\nb\nc\n", 0)).isEmpty();
    assertThat(tail("a\nb\nc\n", 3)).isEqualTo("a\nb\nc\n");
    assertThat(tail("a\nb\nc\n", 9)).isEqualTo("a\nb\nc\n");
    assertThat(tail("a\n\n\n", 2)).isEqualTo("\n\n");
    assertThat(tail("", 3)).isEmpty();
    assertThat(tail("\n", 1)).isEqualTo("\n");
    String longLines = "x".repeat(10) + "\n" + "y".repeat(7) + "\n" + "z".repeat(13);
    assertThat(tail(longLines, 2)).isEqualTo("y".repeat(7) + "\n" + "z".repeat(13));
  }

  /** With 3-byte chunks, so that lines and newlines straddle chunk edges. */
  private String tail(String text, long lines) throws Exception {
    Path f = Files.writeString(dir.resolve("t.log"), text);
    try (FileChannel ch = FileChannel.open(f)) {
      long start = SessionLogStream.tailStart(ch, ch.size(), lines, 3);
      return text.substring((int) start);
    }
  }
}
