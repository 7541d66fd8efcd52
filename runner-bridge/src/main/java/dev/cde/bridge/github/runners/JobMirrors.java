package dev.cde.bridge.github.runners;

import dev.cde.bridge.cache.git.GitMirrors;
import dev.cde.bridge.github.api.GithubConfig;
import dev.cde.bridge.github.api.GithubCredentials;
import dev.cde.bridge.github.api.GithubCredentialsNotConfiguredException;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The git mirror of a job's repository: refreshed when the job is accepted (while its instance starts), and named
 * in the runner's environment so {@code actions/checkout} borrows the mirror's objects (docs/caching.md, "git
 * mirrors"). A slow or failed refresh never fails a job: the runner waits a bounded time, then fetches from GitHub.
 */
@ApplicationScoped
public class JobMirrors {
  private static final Logger LOG = Logger.getLogger(JobMirrors.class);

  private final GitMirrors mirrors;
  private final GithubCredentials credentials;
  private final GithubConfig github;
  private final Map<String, CompletableFuture<?>> pending = new ConcurrentHashMap<>();

  public JobMirrors(GitMirrors mirrors, GithubCredentials credentials, GithubConfig github) {
    this.mirrors = mirrors;
    this.credentials = credentials;
    this.github = github;
  }

  /** Starts the refresh for a runner of {@code owner/repo}; returns at once. */
  public void refresh(String runnerName, String repository) {
    if (!mirrors.enabled()) {
      return;
    }
    String url = cloneUrl(github.apiUrl(), repository);
    String[] ownerRepo = repository.split("/", 2);
    pending.put(runnerName, CompletableFuture.runAsync(() -> {
      String token = null;
      try {
        token = credentials.token(ownerRepo[0], ownerRepo[1]);
      } catch (GithubCredentialsNotConfiguredException e) {
        // no credentials: public repositories still mirror anonymously
      }
      try {
        mirrors.refresh(url, token == null ? null : "x-access-token", token);
      } catch (RuntimeException e) {
        LOG.warnf("github runner %s: git mirror of %s not refreshed: %s", runnerName, url, e.getMessage());
      }
    }));
  }

  /**
   * Waits at most {@code cde.cache.git.job-wait} for the refresh started for this runner, then names the mirror if
   * there is one (an older mirror still saves most of a checkout). {@code CDE_GIT_MIRROR} is relative to the NAS:
   * runner-start.sh turns it into {@code GIT_ALTERNATE_OBJECT_DIRECTORIES} where the instance mounts the NAS.
   */
  public Map<String, String> env(String runnerName, String repository) {
    CompletableFuture<?> f = pending.remove(runnerName);
    if (f != null) {
      try {
        f.get(mirrors.jobWait().toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        LOG.infof("github runner %s: git mirror still refreshing after %s; starting without waiting", runnerName,
            mirrors.jobWait());
      } catch (java.util.concurrent.ExecutionException e) {
        // logged by the refresh itself
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!mirrors.enabled()) {
      return Map.of();
    }
    String url = cloneUrl(github.apiUrl(), repository);
    try {
      return Files.isDirectory(mirrors.mirrorDir(url).resolve("objects"))
          ? Map.of("CDE_GIT_MIRROR", dev.cde.bridge.cache.git.MirrorPath.of(url).relative()) : Map.of();
    } catch (IllegalArgumentException e) {
      return Map.of();
    }
  }

  /** github.com for api.github.com; a GitHub Enterprise Server's own host for {@code https://host/api/v3}. */
  static String cloneUrl(String apiUrl, String repository) {
    URI api = URI.create(apiUrl);
    String host = api.getHost();
    String base = "api.github.com".equalsIgnoreCase(host) ? "https://github.com"
        : api.getScheme() + "://" + api.getRawAuthority();
    return base + "/" + repository + ".git";
  }
}
