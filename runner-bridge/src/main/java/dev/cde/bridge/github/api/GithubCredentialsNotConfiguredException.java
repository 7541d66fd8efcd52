package dev.cde.bridge.github.api;

import dev.cde.bridge.problem.ApiException;

/** Neither a token nor a GitHub App is configured: the bridge cannot call GitHub at all. */
public class GithubCredentialsNotConfiguredException extends ApiException {
  public GithubCredentialsNotConfiguredException() {
    super(503, "GitHub not configured",
        "GitHub credentials not configured (set cde.github.token or cde.github.app-id + app-private-key)");
  }
}
