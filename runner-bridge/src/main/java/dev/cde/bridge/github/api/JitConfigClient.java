package dev.cde.bridge.github.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Asks GitHub for just-in-time runner configs: one registration per job attempt, used once. */
@Singleton
public class JitConfigClient {
  private static final Logger LOG = Logger.getLogger(JitConfigClient.class);

  private final GithubConfig config;
  private final GithubClient client;
  private final GithubCredentials credentials;
  private final RunnerRegistry registry;

  @Inject
  public JitConfigClient(GithubConfig config, GithubClient client, GithubCredentials credentials,
      RunnerRegistry registry) {
    this.config = config;
    this.client = client;
    this.credentials = credentials;
    this.registry = registry;
  }

  /**
   * Registers a JIT runner named {@code runnerName} with {@code labels}.
   *
   * <p>409 means the name is taken, typically by our own earlier attempt whose answer was lost (bridge restart,
   * timeout). An offline runner of that name is that leftover: it is deleted and the request repeated once. An
   * online one may be running a job, so it is left alone and the call fails.
   *
   * @throws GithubApiException 409 when the name belongs to an online runner; 422 with GitHub's reason (bad
   *     runner group, label list); any other GitHub error
   */
  public JitRunner generate(String owner, String repo, String runnerName, List<String> labels) {
    String path = registry.runnersPath(owner, repo) + "/generate-jitconfig";
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", runnerName);
    body.put("runner_group_id", config.runnerGroupId());
    body.put("labels", labels);
    body.put("work_folder", "_work");
    try {
      return parse(client.send("POST", path, body, credentials.token(owner, repo)));
    } catch (GithubApiException e) {
      if (e.githubStatus() != 409) {
        throw e;
      }
    }
    Optional<RegisteredRunner> existing = registry.findByName(owner, repo, runnerName);
    if (existing.isPresent() && !existing.get().offline()) {
      throw new GithubApiException(409, "runner name '" + runnerName + "' is already registered to an online runner"
          + " (id " + existing.get().id() + "); not replacing it");
    }
    existing.ifPresent(r -> {
      LOG.infof("GitHub runner name %s taken by offline runner %d: removing it and retrying", runnerName, r.id());
      registry.remove(owner, repo, r.id());
    });
    return parse(client.send("POST", path, body, credentials.token(owner, repo)));
  }

  private static JitRunner parse(JsonNode answer) {
    JsonNode runner = answer.path("runner");
    return new JitRunner(runner.path("id").asLong(), runner.path("name").asText(),
        answer.path("encoded_jit_config").asText());
  }
}
