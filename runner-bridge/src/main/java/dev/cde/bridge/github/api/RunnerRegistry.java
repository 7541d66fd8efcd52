package dev.cde.bridge.github.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Runner registrations at the repository, or at the organization when {@code cde.github.org} is set. */
@Singleton
public class RunnerRegistry {
  private final GithubConfig config;
  private final GithubClient client;
  private final GithubCredentials credentials;

  @Inject
  public RunnerRegistry(GithubConfig config, GithubClient client, GithubCredentials credentials) {
    this.config = config;
    this.client = client;
    this.credentials = credentials;
  }

  /** {@code /repos/{owner}/{repo}/actions/runners} or {@code /orgs/{org}/actions/runners}. */
  String runnersPath(String owner, String repo) {
    return config.org().map(org -> "/orgs/" + GithubClient.segment(org))
        .orElseGet(() -> "/repos/" + GithubClient.segment(owner) + "/" + GithubClient.segment(repo))
        + "/actions/runners";
  }

  /** The runner registered under exactly this name, if any ({@code name} filters server-side). */
  public Optional<RegisteredRunner> findByName(String owner, String repo, String name) {
    JsonNode answer = client.get(runnersPath(owner, repo) + "?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8),
        credentials.token(owner, repo));
    for (JsonNode r : answer.path("runners")) {
      if (name.equals(r.path("name").asText())) {
        return Optional.of(new RegisteredRunner(r.path("id").asLong(), r.path("name").asText(),
            r.path("status").asText(), r.path("busy").asBoolean()));
      }
    }
    return Optional.empty();
  }

  /**
   * Removes a registration; idempotent, so session teardown and the reconciler may both call it.
   *
   * @return {@code false} when GitHub no longer knew the runner (404: already gone, e.g. an ephemeral runner
   *     that finished its job)
   */
  public boolean remove(String owner, String repo, long runnerId) {
    try {
      client.send("DELETE", runnersPath(owner, repo) + "/" + runnerId, null, credentials.token(owner, repo));
      return true;
    } catch (GithubApiException e) {
      if (e.githubStatus() == 404) {
        return false;
      }
      throw e;
    }
  }
}
