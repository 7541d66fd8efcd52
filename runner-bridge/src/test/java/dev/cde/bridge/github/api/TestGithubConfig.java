package dev.cde.bridge.github.api;

import java.util.List;
import java.util.Optional;

/** A {@link GithubConfig} built in code, so these tests construct the client without Quarkus. */
record TestGithubConfig(String apiUrl, Optional<String> token, Optional<Long> appId, Optional<String> appPrivateKey,
    Optional<String> appPrivateKeyFile, Optional<String> org, long runnerGroupId,
    Optional<List<String>> repositories, boolean allowPublicRepositories) implements GithubConfig {

  static TestGithubConfig withToken(String apiUrl, String token) {
    return new TestGithubConfig(apiUrl, Optional.of(token), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), 1, Optional.empty(), false);
  }

  static TestGithubConfig withApp(String apiUrl, long appId, String pem) {
    return new TestGithubConfig(apiUrl, Optional.empty(), Optional.of(appId), Optional.of(pem), Optional.empty(),
        Optional.empty(), 1, Optional.empty(), false);
  }

  static TestGithubConfig none(String apiUrl) {
    return new TestGithubConfig(apiUrl, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), 1, Optional.empty(), false);
  }

  TestGithubConfig inOrg(String organization) {
    return new TestGithubConfig(apiUrl, token, appId, appPrivateKey, appPrivateKeyFile, Optional.of(organization),
        runnerGroupId, repositories, allowPublicRepositories);
  }
}
