package dev.cde.bridge.cache.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Object names in every form gitlab-runner's cache/cache.go makes them, and the ones no runner makes. */
class CacheObjectNameTest {
  @Test
  void theProjectIsReadFromEveryFormGitlabRunnerUses() throws Exception {
    assertThat(CacheObjectName.parse("runner/abcd1234/project/42/default-protected").project()).isEqualTo("42");
    // Shared = true: no runner namespace
    assertThat(CacheObjectName.parse("project/7/build-non_protected").project()).isEqualTo("7");
    // a Path prefix, which may itself look like a project
    assertThat(CacheObjectName.parse("ci/project/1/runner/x/project/9/k-protected").project()).isEqualTo("9");
    // FF_HASH_CACHE_KEYS: the key's first two hex characters as a directory
    assertThat(CacheObjectName.parse("runner/x/project/5/ab/ab12cd34ef").project()).isEqualTo("5");
  }

  @Test
  void namesThatClimbOrAliasOrAreNotCacheObjectsAreRefused() {
    for (String bad : new String[] {"", "/runner/x/project/5/k", "runner/x/project/5/../k", "runner//x/project/5/k",
        "runner/x/project/5/./k", "runner/x/project/5/k/", "runner/x/project/5/k\nx", "runner/x/project/abc/k",
        "runner/x/k", "runner/x/project/5/a/b/c"}) {
      assertThatThrownBy(() -> CacheObjectName.parse(bad)).as(bad).isInstanceOf(S3Error.class)
          .satisfies(e -> assertThat(((S3Error) e).status()).isEqualTo(400));
    }
    assertThatThrownBy(() -> CacheObjectName.parse("runner/x/project/5/" + "k".repeat(256)))
        .satisfies(e -> assertThat(((S3Error) e).code()).isEqualTo("KeyTooLongError"));
    assertThatThrownBy(() -> CacheObjectName.parse("p/".repeat(510) + "project/5/k"))
        .satisfies(e -> assertThat(((S3Error) e).code()).isEqualTo("KeyTooLongError"));
  }
}
