package dev.cde.bridge.cache.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cache.CacheConfig;
import dev.cde.bridge.cache.CacheRoot;
import dev.cde.bridge.home.BridgeHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real git (Debian's) against a jgit mirror: does {@code GIT_ALTERNATE_OBJECT_DIRECTORIES} really save the transfer?
 * Git's fetch negotiation advertises the alternates' refs as "have"s, so the server sends only what the mirror
 * lacks. Measured as the size of the pack received ({@code transfer.unpackLimit=1} keeps every pack as sent).
 */
class GitMirrorAlternatesIT {
  @TempDir Path tmp;

  @Test
  void aWarmCheckoutTransfersOnlyWhatTheMirrorLacks() throws Exception {
    Path src = tmp.resolve("forge/acme/widgets.git");
    Path work = tmp.resolve("work");
    git(tmp, Map.of(), "init", "-q", "--bare", src.toString());
    git(tmp, Map.of(), "init", "-q", "-b", "main", work.toString());
    Random random = new Random(1);
    for (int i = 0; i < 200; i++) { // incompressible, so the pack size is the content's
      byte[] b = new byte[8192];
      random.nextBytes(b);
      Files.write(work.resolve("f" + i), b);
    }
    commitAndPush(work, src, "first");
    GitMirrors mirrors = new GitMirrors(new CacheRoot(() -> Optional.of(tmp.resolve("nas")),
        new BridgeHome(tmp.resolve("home"))), new GitMirrorConfig() {
          public boolean enabled() {
            return true;
          }

          public Duration refreshTimeout() {
            return Duration.ofMinutes(1);
          }

          public Duration jobWait() {
            return Duration.ofSeconds(5);
          }
        });
    Path mirror = tmp.resolve("nas").resolve(mirrors.refresh("file://" + src, null, null).relative());
    Files.writeString(work.resolve("after-mirror"), "pushed after the mirror's refresh\n");
    commitAndPush(work, src, "second");

    Map<String, String> warmEnv = Map.of("GIT_ALTERNATE_OBJECT_DIRECTORIES", mirror.resolve("objects").toString());
    // as actions/checkout does it: init, then a shallow fetch of one commit
    long cold = checkout(tmp.resolve("cold"), src, Map.of());
    long warm = checkout(tmp.resolve("warm"), src, warmEnv);
    System.out.printf("git mirror IT: cold checkout received %d bytes, warm %d bytes%n", cold, warm);
    assertThat(cold).isGreaterThan(200 * 8192);
    assertThat(warm).isLessThan(cold / 50);
    // the warm checkout is whole as long as the mirror is there: it reads the objects it did not copy from it
    git(tmp.resolve("warm"), warmEnv, "fsck", "--connectivity-only");
    git(tmp.resolve("warm"), warmEnv, "checkout", "-q", "-B", "main", "refs/remotes/origin/main");
    assertThat(Files.readString(tmp.resolve("warm/after-mirror"))).contains("after the mirror");
    assertThat(Files.size(tmp.resolve("warm/f199"))).isEqualTo(8192);
  }

  private long checkout(Path dir, Path src, Map<String, String> env) throws Exception {
    git(tmp, env, "init", "-q", dir.toString());
    git(dir, env, "remote", "add", "origin", "file://" + src);
    git(dir, env, "-c", "transfer.unpackLimit=1", "fetch", "-q", "--no-tags", "--depth=1", "origin",
        "+refs/heads/main:refs/remotes/origin/main");
    try (Stream<Path> packs = Files.list(dir.resolve(".git/objects/pack"))) {
      long total = 0;
      for (Path p : packs.filter(p -> p.toString().endsWith(".pack")).toList()) {
        total += Files.size(p);
      }
      return total;
    }
  }

  private void commitAndPush(Path work, Path src, String message) throws Exception {
    git(work, Map.of(), "add", ".");
    git(work, Map.of(), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", message);
    git(work, Map.of(), "push", "-q", src.toString(), "HEAD:refs/heads/main");
  }

  private static String git(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    pb.environment().put("HOME", dir.toString()); // no ~/.gitconfig of whoever runs the test
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("git %s: %s", String.join(" ", args), out).isZero();
    return out;
  }
}
