package dev.cde.bridge.cache.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.cache.CacheConfig;
import dev.cde.bridge.cache.CacheRoot;
import dev.cde.bridge.home.BridgeHome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jgit against a local bare repository over file://: clone, incremental fetch, path checks, credentials. */
class GitMirrorsTest {
  @TempDir Path tmp;
  Path nas;
  Path origin;
  GitMirrors mirrors;

  @BeforeEach
  void setUp() throws Exception {
    nas = tmp.resolve("nas");
    CacheConfig cacheConfig = () -> Optional.of(nas);
    mirrors = new GitMirrors(new CacheRoot(cacheConfig, new BridgeHome(tmp.resolve("home"))), new GitMirrorConfig() {
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
    origin = tmp.resolve("src/acme/widgets.git");
    Git.init().setBare(true).setDirectory(origin.toFile()).call().close();
    commit("first");
  }

  /** A commit on main of the origin, through a throwaway working clone. */
  private ObjectId commit(String message) throws Exception {
    Path work = tmp.resolve("work");
    try (Git git = Files.isDirectory(work) ? Git.open(work.toFile()) : Git.init().setDirectory(work.toFile()).call()) {
      Files.writeString(work.resolve(message + ".txt"), message);
      git.add().addFilepattern(".").call();
      ObjectId id = git.commit().setMessage(message).setAuthor("t", "t@example.com").setCommitter("t", "t@example.com")
          .call().getId();
      git.push().setRemote(origin.toUri().toString()).add("HEAD:refs/heads/main").call();
      git.tag().setName("v-" + message).setObjectId(git.getRepository().parseCommit(id)).call();
      git.push().setRemote(origin.toUri().toString()).setPushTags().call();
      return id;
    }
  }

  private String url() {
    return "file://" + origin;
  }

  @Test
  void clonesBareThenFetchesOnlyWhatIsNew() throws Exception {
    GitMirrors.Refreshed first = mirrors.refresh(url(), null, null);
    assertThat(first.cloned()).isTrue();
    assertThat(first.relative()).isEqualTo("git/localhost" + origin.getParent() + "/widgets.git");
    Path dir = nas.resolve(first.relative());
    try (Repository r = new FileRepositoryBuilder().setGitDir(dir.toFile()).build()) {
      assertThat(r.isBare()).isTrue();
      assertThat(r.exactRef("refs/heads/main")).isNotNull();
      assertThat(r.exactRef("refs/tags/v-first")).isNotNull();
    }
    ObjectId second = commit("second");
    GitMirrors.Refreshed again = mirrors.refresh(url(), null, null);
    assertThat(again.cloned()).isFalse();
    try (Repository r = new FileRepositoryBuilder().setGitDir(dir.toFile()).build()) {
      assertThat(r.exactRef("refs/heads/main").getObjectId()).isEqualTo(second);
      assertThat(r.exactRef("refs/tags/v-second")).isNotNull();
    }
    // no temporary clone left beside the mirror
    try (var s = Files.list(dir.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("widgets.git",
          "widgets.git.lock");
    }
  }

  @Test
  void credentialsReachNeitherTheMirrorsConfigNorTheLog() throws Exception {
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    Handler capture = new Handler() {
      public void publish(LogRecord record) {
        logged.writeBytes((String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters())
            + "\n").getBytes());
      }

      public void flush() {}

      public void close() {}
    };
    Logger.getLogger("").addHandler(capture);
    PrintStream err = System.err;
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    System.setErr(new PrintStream(stderr, true));
    GitMirrors.Refreshed r;
    try {
      // file:// ignores credentials, which makes it a fair test of where they end up
      r = mirrors.refresh(url(), "x-access-token", "ghs_s3cr3tInstallationToken");
      mirrors.refresh(url(), "x-access-token", "ghs_s3cr3tInstallationToken");
      // in the URL, as GitLab's CI_REPOSITORY_URL carries them; nothing listens on port 9 of loopback
      assertThatThrownBy(() -> mirrors.refresh("http://gitlab-ci-token:s3cr3t-job-token@127.0.0.1:9/g/p.git", null,
          null)).isInstanceOf(GitMirrorException.class).hasMessageNotContaining("s3cr3t");
    } finally {
      System.setErr(err);
      Logger.getLogger("").removeHandler(capture);
    }
    Path dir = nas.resolve(r.relative());
    String config = Files.readString(dir.resolve("config"));
    assertThat(config).contains("url = file://" + origin).doesNotContain("s3cr3t").doesNotContain("gitlab-ci-token");
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1))
            .as(f.toString()).doesNotContain("s3cr3t");
      }
    }
    assertThat(logged.toString() + stderr).doesNotContain("s3cr3t");
  }

  @Test
  void pathsFromUrlsAreCheckedAndRedacted() {
    assertThat(MirrorPath.of("https://x-access-token:ghs_abc@github.com/Acme/widgets.git"))
        .isEqualTo(new MirrorPath("git/github.com/Acme/widgets.git", "https://github.com/Acme/widgets.git"));
    assertThat(MirrorPath.of("https://gitlab-ci-token:glcbt-xyz@gitlab.example.com/group/sub/proj.git").relative())
        .isEqualTo("git/gitlab.example.com/group/sub/proj.git");
    assertThat(MirrorPath.of("https://github.com/acme/.github").relative()).isEqualTo("git/github.com/acme/.github.git");
    assertThatThrownBy(() -> MirrorPath.of("https://u:s3cr3t@github.com/acme/../../etc.git"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("s3cr3t");
    assertThatThrownBy(() -> MirrorPath.of("https://u:s3cr3t@github.com/acme/%2E%2E/x.git"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("s3cr3t");
    assertThatThrownBy(() -> MirrorPath.of("https://u:s3cr3t@github.com/acme/wid gets.git"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("s3cr3t");
    assertThatThrownBy(() -> MirrorPath.of("https://u:s3cr3t@github.com/widgets.git"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("s3cr3t");
    assertThat(MirrorPath.redact("https://u:s3cr3t@h/a/b.git")).isEqualTo("https://h/a/b.git");
  }

  @Test
  void aFailedFetchNamesTheUrlWithoutItsCredentials() {
    assertThatThrownBy(() -> mirrors.refresh("file://" + tmp.resolve("nowhere/x.git"), "u", "s3cr3t"))
        .isInstanceOf(GitMirrorException.class).hasMessageNotContaining("s3cr3t");
    assertThat(nas.resolve("git/localhost" + tmp + "/nowhere/x.git")).doesNotExist();
  }
}
