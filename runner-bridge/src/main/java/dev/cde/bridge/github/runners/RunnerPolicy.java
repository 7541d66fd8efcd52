package dev.cde.bridge.github.runners;

import dev.cde.bridge.github.api.GithubConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which repositories the bridge serves. A public repository is refused unless allowed outright: anyone can open
 * a pull request from a fork, and its workflow would run on our instances. Concurrency is counted by
 * {@link GithubRunners}, which has the numbers.
 */
@ApplicationScoped
public class RunnerPolicy {
  private final GithubConfig config;

  public RunnerPolicy(GithubConfig config) {
    this.config = config;
  }

  /** Why the repository's jobs are not served, or empty when they are. */
  public Optional<String> refusal(String repository, boolean privateRepository) {
    if (repository == null || !repository.contains("/")) {
      return Optional.of("the delivery names no repository");
    }
    Optional<List<String>> allowed = config.repositories();
    if (allowed.isPresent() && allowed.get().stream().noneMatch(p -> matches(p, repository))) {
      return Optional.of("repository " + repository + " is not in cde.github.repositories");
    }
    if (!privateRepository && !config.allowPublicRepositories()) {
      return Optional.of("repository " + repository + " is public, and public repositories are refused unless"
          + " cde.github.allow-public-repositories=true (pull requests from forks would run strangers' code)");
    }
    return Optional.empty();
  }

  /** {@code owner/repo} exactly, or {@code owner/*} for every repository of the owner; case-insensitive like GitHub. */
  static boolean matches(String pattern, String repository) {
    String p = pattern.strip().toLowerCase(Locale.ROOT);
    String r = repository.toLowerCase(Locale.ROOT);
    if (p.endsWith("/*")) {
      String owner = p.substring(0, p.length() - 1); // "owner/"
      return r.startsWith(owner) && r.length() > owner.length() && r.indexOf('/', owner.length()) < 0;
    }
    return p.equals(r);
  }

  /** The exact repositories configured (not the {@code owner/*} ones), which the reconciler scans. */
  public List<String> exactRepositories() {
    return config.repositories().orElse(List.of()).stream().map(String::strip).filter(p -> !p.endsWith("/*")).toList();
  }
}
