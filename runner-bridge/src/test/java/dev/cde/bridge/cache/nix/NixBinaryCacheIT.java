package dev.cde.bridge.cache.nix;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nix (Debian's nix-bin, offline) against the real bridge: a path built in one "instance" and pushed with
 * function-image/nix/cde-nix-push is substituted, not rebuilt, in a fresh one that trusts the bridge's key only
 * through the environment the bridge gives instances; a narinfo whose signature was changed is refused.
 *
 * <p>Each instance is a nix store of its own ({@code store = <dir>}, a chroot store: nothing touches the host's
 * /nix), built in nix's sandbox with busybox-static as {@code /bin/sh}, with no substituter but the NAS.
 */
@QuarkusTest
class NixBinaryCacheIT {
  private static final Path PUSH_SCRIPT = Path.of(System.getProperty("user.dir"))
      .resolve("../function-image/nix/cde-nix-push").normalize();

  @Inject
  NixBinaryCache cache;
  @Inject
  NixInstanceEnv instanceEnv;

  @TempDir
  Path tmp;

  @BeforeEach
  void nixIsInstalled() {
    boolean present = Files.isExecutable(Path.of("/usr/bin/nix-build")) && Files.isRegularFile(Path.of("/bin/busybox"))
        && Files.isExecutable(Path.of("/usr/bin/bwrap"));
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("nix-bin, busybox-static or bubblewrap is not installed (.ci/run installs them)");
    }
    Assumptions.assumeTrue(present, "needs Debian's nix-bin, busybox-static and bubblewrap");
  }

  @Test
  void pathBuiltInOneInstanceIsSubstitutedInTheNextAndATamperedOneIsRefused() throws Exception {
    // A new derivation each run: the cache under target/ outlives a run, and its first writer wins.
    String name = "cde-it-" + UUID.randomUUID().toString().substring(0, 8);
    Path expr = tmp.resolve("hello.nix");
    Files.writeString(expr, "derivation { name = \"" + name + "\"; builder = \"/bin/sh\";"
        + " args = [\"-c\" \"echo hi > $out\"]; system = builtins.currentSystem; }\n");
    Map<String, String> session = instanceEnv.forSession("s-nix-it", Duration.ofHours(1));

    // Instance 1 builds (no substituter at all) and pushes after its "job".
    Map<String, String> one = instance("one", "substituters =", "post-build-hook = " + PUSH_SCRIPT);
    one.putAll(session);
    one.put("CDE_NIX_CACHE", cache.dir().toString());
    Result built = run(one, "nix-build", "--no-out-link", expr.toString());
    assertThat(built.exit).as(built.output).isZero();
    assertThat(built.output).contains("building '");
    String out = built.lastLine();
    assertThat(out).startsWith("/nix/store/").endsWith("-" + name);

    Result pushed = run(one, "sh", PUSH_SCRIPT.toString());
    assertThat(pushed.exit).as(pushed.output).isZero();
    assertThat(pushed.output).contains(out + ": published").contains("1 pushed, 0 refused");
    String hash = out.substring("/nix/store/".length(), "/nix/store/".length() + 32);
    String narinfo = Files.readString(cache.dir().resolve(hash + ".narinfo"));
    assertThat(narinfo).contains("Sig: " + cache.publicKey().split(":")[0] + ":");
    Result again = run(one, "sh", PUSH_SCRIPT.toString());
    assertThat(again.output).as("a second push finds it all in the cache").contains("has all of it already");

    // Instance 2: fresh store, the NAS as its only substituter, the key only from the bridge's NIX_CONFIG.
    Map<String, String> two = instance("two", "substituters = file://" + cache.dir(), "trusted-public-keys =");
    two.put("NIX_CONFIG", session.get("NIX_CONFIG"));
    Result substituted = run(two, readOnlyCache("nix-build", "--no-out-link", expr.toString()));
    assertThat(substituted.exit).as(substituted.output).isZero();
    assertThat(substituted.output).contains("copying path '" + out + "' from 'file://" + cache.dir())
        .doesNotContain("building '");
    assertThat(substituted.lastLine()).isEqualTo(out);

    // Instance 3 sees a copy of the cache whose narinfo's signature was changed: nix refuses the path.
    Path tampered = tmp.resolve("tampered");
    Files.createDirectories(tampered.resolve("nar"));
    Files.copy(cache.dir().resolve("nix-cache-info"), tampered.resolve("nix-cache-info"));
    String url = narinfo.lines().filter(l -> l.startsWith("URL: ")).findFirst().orElseThrow().substring(5);
    Files.copy(cache.dir().resolve(url), tampered.resolve(url));
    Files.writeString(tampered.resolve(hash + ".narinfo"), narinfo.replaceAll("(Sig: [^:]+:)(.)", "$1"
        + (narinfo.contains("Sig: " + cache.publicKey().split(":")[0] + ":A") ? "B" : "A")));
    Map<String, String> three = instance("three", "substituters = file://" + tampered, "trusted-public-keys =");
    three.put("NIX_CONFIG", session.get("NIX_CONFIG"));
    Result refused = run(three, "nix-store", "--realise", out);
    assertThat(refused.exit).as(refused.output).isNotZero();
    assertThat(refused.output).doesNotContain("copying path '" + out)
        .contains("is not signed by any of the keys in 'trusted-public-keys'");
    // The same path, same store, from the untouched cache: the signature was the only difference.
    Map<String, String> threeAgain = instance("three", "substituters = file://" + cache.dir(), "trusted-public-keys =");
    threeAgain.put("NIX_CONFIG", session.get("NIX_CONFIG"));
    Result accepted = run(threeAgain, readOnlyCache("nix-store", "--realise", out));
    assertThat(accepted.exit).as(accepted.output).isZero();
    assertThat(accepted.output).contains("copying path '" + out + "' from 'file://");
  }

  /** Instances see the NAS read-only, as bubblewrap (the local provider) and the function image mount it. */
  private String[] readOnlyCache(String... cmd) {
    List<String> all = new ArrayList<>(List.of("bwrap", "--bind", "/", "/", "--dev", "/dev", "--ro-bind",
        cache.dir().toString(), cache.dir().toString()));
    all.addAll(List.of(cmd));
    return all.toArray(String[]::new);
  }

  /** The environment of one instance: its own store, home and nix.conf. */
  private Map<String, String> instance(String name, String... conf) throws IOException {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir.resolve("conf"));
    List<String> lines = new ArrayList<>(List.of(
        "store = " + dir.resolve("store"),
        "sandbox = true",
        "sandbox-paths = /bin/sh=/bin/busybox",
        "build-users-group =",
        "experimental-features = nix-command",
        "require-sigs = true",
        "connect-timeout = 5"));
    lines.addAll(List.of(conf));
    Files.write(dir.resolve("conf/nix.conf"), lines, StandardCharsets.UTF_8);
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", dir.toString());
    env.put("NIX_CONF_DIR", dir.resolve("conf").toString());
    env.put("CDE_NIX_BUILT", dir.resolve("built").toString());
    env.put("TMPDIR", tmp.toString());
    return env;
  }

  private record Result(int exit, String output) {
    String lastLine() {
      List<String> lines = output.lines().toList();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    }
  }

  private Result run(Map<String, String> env, String... cmd) throws Exception {
    Path log = Files.createTempFile(tmp, "cmd", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish: " + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }
}
