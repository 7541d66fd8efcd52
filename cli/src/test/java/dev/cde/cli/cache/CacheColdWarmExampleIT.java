package dev.cde.cli.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.cli.RealBridge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/cache/cold-warm.sh as its README tells a user to run it, against the real bridge: the same Maven job
 * twice on fresh local instances, {@code cde} on the instance's PATH as in the function image. The first run
 * downloads from Maven Central (the instance starts empty) and saves; the second restores from the NAS and
 * downloads nothing. Needs Maven Central and {@code mvn} (.ci/run installs Debian's maven).
 */
class CacheColdWarmExampleIT {
  static RealBridge bridge;

  @BeforeAll
  static void start() throws Exception {
    bridge = RealBridge.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (bridge != null) {
      bridge.close();
    }
  }

  @Test
  void theSecondRunOfTheJobIsServedFromTheNas() throws Exception {
    Path root = RealBridge.root();
    Path out = Files.createTempFile("cold-warm", ".log");
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("examples/cache/cold-warm.sh").toString(),
        "example/cold-warm-it-" + System.nanoTime()).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("CDE", Path.of(System.getProperty("java.home"), "bin", "java") + " -jar "
        + root.resolve("cli/target/cde.jar"));
    pb.environment().put("CDE_BRIDGE_URL", bridge.url());
    pb.environment().put("CDE_API_TOKEN", bridge.token());
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("cold-warm.sh did not finish:\n" + Files.readString(out));
    }
    String log = Files.readString(out);
    assertThat(p.exitValue()).as(log + "\nbridge:\n" + bridge.logTail()).isZero();
    String[] runs = log.split("== run 2, ");
    assertThat(runs).as(log).hasSize(2);
    String cold = runs[0];
    String warm = runs[1];

    assertThat(cold).contains("cde cache: no entry for m2-").contains("BUILD SUCCESS").contains("cde cache: saved m2-");
    assertThat(downloads(cold)).as(cold).isPositive();

    assertThat(warm).contains("cde cache: restored m2-").contains("cache-hit=true").contains("BUILD SUCCESS")
        .contains("save skipped (exact hit)");
    assertThat(downloads(warm)).as(warm).isZero();
    // Each run is a session of its own, ended with its cost line.
    assertThat(Pattern.compile("cde: s-\\w+ ended: exit code 0").matcher(log).results().count()).isEqualTo(2);
    assertThat(log).doesNotContain(bridge.token());
  }

  private static int downloads(String run) {
    Matcher m = Pattern.compile("with (\\d+) downloads from Maven Central").matcher(run);
    assertThat(m.find()).as(run).isTrue();
    return Integer.parseInt(m.group(1));
  }
}
