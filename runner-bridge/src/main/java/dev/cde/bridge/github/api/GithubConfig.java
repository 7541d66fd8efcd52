package dev.cde.bridge.github.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/**
 * How the bridge talks to GitHub. Deliberately has no {@code webhook()} member: {@code cde.github.webhook.*}
 * belongs to {@link dev.cde.bridge.github.webhook.WebhookConfig}, and claiming it here would make SmallRye
 * report those keys as unknown to this mapping.
 */
@ConfigMapping(prefix = "cde.github")
public interface GithubConfig {
  /** {@code https://api.github.com}, or {@code https://HOST/api/v3} for GitHub Enterprise Server. */
  @WithDefault("https://api.github.com")
  String apiUrl();

  /** A personal access token or other bearer token; wins over the App when both are set. */
  Optional<String> token();

  /** The GitHub App's id (JWT issuer). */
  Optional<Long> appId();

  /** The App's private key as PEM text (PKCS#1 as GitHub downloads it, or PKCS#8). Wins over the file. */
  Optional<String> appPrivateKey();

  /** A file holding the App's PEM private key. */
  Optional<String> appPrivateKeyFile();

  /** Register organization-level runners in this organization instead of repository-level ones. */
  Optional<String> org();

  /** The runner group JIT runners join (1 = the default group). */
  @WithDefault("1")
  long runnerGroupId();

  /** Repositories the bridge serves: {@code owner/repo} or {@code owner/*}. Unset: every repository it can see. */
  Optional<List<String>> repositories();

  /** Whether jobs from public repositories are served (fork pull requests would run strangers' code). */
  @WithDefault("false")
  boolean allowPublicRepositories();
}
