package dev.cde.bridge.github.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API classes wire through CDI next to the webhook's mapping, and an unconfigured bridge says what to set. */
@QuarkusTest
class GithubBeansTest {
  @Inject
  GithubConfig config;
  @Inject
  GithubCredentials credentials;
  @Inject
  JitConfigClient jit;
  @Inject
  RunnerRegistry registry;
  @Inject
  JobLookup jobs;

  @Test
  void wiredWithDefaults() {
    assertThat(config.apiUrl()).isEqualTo("https://api.github.com");
    assertThat(config.runnerGroupId()).isEqualTo(1);
    assertThat(config.allowPublicRepositories()).isFalse();
    assertThat(credentials.configured()).isFalse();
    assertThatThrownBy(() -> jit.generate("octo", "hello", "cde-1", List.of("cde-serverless")))
        .isInstanceOf(GithubCredentialsNotConfiguredException.class);
    assertThat(registry).isNotNull();
    assertThat(jobs).isNotNull();
  }
}
