package dev.cde.bridge.github.runners;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.github.api.GithubConfig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RunnerPolicyTest {
  static RunnerPolicy policy(List<String> repositories, boolean allowPublic) {
    return new RunnerPolicy(new GithubConfig() {
      @Override
      public String apiUrl() {
        return "https://api.github.com";
      }

      @Override
      public Optional<String> token() {
        return Optional.empty();
      }

      @Override
      public Optional<Long> appId() {
        return Optional.empty();
      }

      @Override
      public Optional<String> appPrivateKey() {
        return Optional.empty();
      }

      @Override
      public Optional<String> appPrivateKeyFile() {
        return Optional.empty();
      }

      @Override
      public Optional<String> org() {
        return Optional.empty();
      }

      @Override
      public long runnerGroupId() {
        return 1;
      }

      @Override
      public Optional<List<String>> repositories() {
        return Optional.ofNullable(repositories);
      }

      @Override
      public boolean allowPublicRepositories() {
        return allowPublic;
      }
    });
  }

  @Test
  void privateRepositoriesAreServedWithoutAnAllowList() {
    assertThat(policy(null, false).refusal("octo/app", true)).isEmpty();
  }

  @Test
  void publicRepositoriesAreRefusedUnlessAllowed() {
    assertThat(policy(null, false).refusal("octo/app", false)).get().asString().contains("public")
        .contains("cde.github.allow-public-repositories");
    assertThat(policy(null, true).refusal("octo/app", false)).isEmpty();
  }

  @Test
  void theAllowListTakesExactNamesAndOwnerWildcardsCaseInsensitively() {
    RunnerPolicy p = policy(List.of("octo/app", " Corp/* "), false);
    assertThat(p.refusal("Octo/App", true)).isEmpty();
    assertThat(p.refusal("corp/anything", true)).isEmpty();
    assertThat(p.refusal("octo/other", true)).get().asString().contains("not in cde.github.repositories");
    assertThat(p.refusal("corporate/x", true)).isPresent(); // owner/* is not a prefix match on the owner
    assertThat(p.refusal("corp/a/b", true)).isPresent();
    assertThat(p.refusal(null, true)).isPresent();
    assertThat(p.exactRepositories()).containsExactly("octo/app");
  }

  @Test
  void labelSetsAreCaseAndOrderInsensitiveAndCoveringIsSubset() {
    String small = LabelSets.key(List.of("cde-serverless"));
    String big = LabelSets.key(List.of("CPU=2", " cde-serverless"));
    assertThat(big).isEqualTo(LabelSets.key(List.of("cde-serverless", "cpu=2")));
    assertThat(GithubRunners.covers(big, small)).isTrue();
    assertThat(GithubRunners.covers(small, big)).isFalse();
    assertThat(GithubRunners.covers(small, small)).isTrue();
    String oneLabel = LabelSets.key(List.of("cde-serverless/gpu=a100:2"));
    assertThat(GithubRunners.covers(oneLabel, small)).isFalse();
  }
}
