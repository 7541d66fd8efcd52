package dev.cde.bridge.github.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * function-image/patch-runner-cache.sh on a synthetic Runner.Worker.dll: the two literals as .NET stores them
 * (UTF-16LE in the user-string heap, between length and terminal bytes) among their neighbours. The real DLL is
 * not here (no runner download in tests); what this proves is the byte surgery and the refusals.
 */
class RunnerCachePatchTest {
  static final Path SCRIPT = Path.of(System.getProperty("cde.root", "..")).resolve("function-image/patch-runner-cache.sh")
      .toAbsolutePath().normalize();

  @TempDir
  Path tmp;

  @Test
  void renamesEachLiteralOnceKeepsTheSizeAndIsIdempotent() throws Exception {
    Path dll = write("bin/Runner.Worker.dll", dll());
    byte[] before = Files.readAllBytes(dll);
    Result r = run(tmp.toString());
    assertThat(r.code).as(r.out).isZero();
    byte[] after = Files.readAllBytes(dll);
    assertThat(after).hasSameSizeAs(before);
    // Bytes as Latin-1 text, so that a UTF-16LE literal is found at any offset, odd ones included.
    String bytes = new String(after, StandardCharsets.ISO_8859_1);
    assertThat(bytes).contains(latin1("ACTIONS_CACHE_ORL"), latin1("ACTIONS_CACHE_SERVICE_X2"),
        latin1("ACTIONS_RESULTS_URL"), latin1("ACTIONS_RUNTIME_TOKEN"), latin1("actions_uses_cache_service_v2"))
        .doesNotContain(latin1("ACTIONS_CACHE_URL"), latin1("ACTIONS_CACHE_SERVICE_V2"));
    assertThat(run(dll.toString()).out).contains("already patched");
    assertThat(Files.readAllBytes(dll)).isEqualTo(after);
  }

  @Test
  void refusesARunnerItDoesNotKnowAndLeavesItAlone() throws Exception {
    ByteArrayOutputStream twice = new ByteArrayOutputStream();
    twice.write(dll());
    twice.write(utf16("ACTIONS_CACHE_URL"));
    Path dup = write("dup.dll", twice.toByteArray());
    Result r = run(dup.toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.out).contains("has ACTIONS_CACHE_URL 2 times").contains("nothing changed");
    assertThat(Files.readAllBytes(dup)).isEqualTo(twice.toByteArray());
    Path none = write("none.dll", "MZ no literals".getBytes(StandardCharsets.US_ASCII));
    assertThat(run(none.toString()).code).isEqualTo(1);
    assertThat(run(tmp.resolve("missing").toString()).out).contains("no such file");
  }

  private static byte[] dll() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(new byte[] {'M', 'Z', (byte) 0x90, 0});
    for (String s : new String[] {"ACTIONS_RUNTIME_URL", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_CACHE_URL",
        "ACTIONS_RESULTS_URL", "ACTIONS_CACHE_SERVICE_V2", "actions_uses_cache_service_v2"}) {
      b.write(s.length() * 2 + 1);
      b.write(utf16(s));
      b.write(0);
    }
    return b.toByteArray();
  }

  private static String latin1(String s) {
    return new String(utf16(s), StandardCharsets.ISO_8859_1);
  }

  private static byte[] utf16(String s) {
    return s.getBytes(StandardCharsets.UTF_16LE);
  }

  private Path write(String name, byte[] content) throws Exception {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    return Files.write(p, content);
  }

  record Result(int code, String out) {
  }

  private static Result run(String arg) throws Exception {
    Process p = new ProcessBuilder("sh", SCRIPT.toString(), arg).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }
}
