package dev.cde.bridge.github.runners;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobMirrorsTest {
  @Test
  void cloneUrlsFollowTheApiHost() {
    assertThat(JobMirrors.cloneUrl("https://api.github.com", "acme/widgets"))
        .isEqualTo("https://github.com/acme/widgets.git");
    assertThat(JobMirrors.cloneUrl("https://ghe.example.com/api/v3", "acme/widgets"))
        .isEqualTo("https://ghe.example.com/acme/widgets.git");
  }
}
