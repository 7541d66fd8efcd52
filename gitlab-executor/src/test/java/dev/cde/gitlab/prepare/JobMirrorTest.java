package dev.cde.gitlab.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobMirrorTest {
  @Test
  void aMessageQuotingTheCloneUrlLosesTheJobToken() {
    assertThat(JobMirror.redact("cannot fetch https://gitlab-ci-token:glcbt-64_secret@gitlab.example.com/g/p.git: 403"))
        .isEqualTo("cannot fetch https://gitlab.example.com/g/p.git: 403").doesNotContain("secret");
    assertThat(JobMirror.redact(null)).isEmpty();
  }
}
