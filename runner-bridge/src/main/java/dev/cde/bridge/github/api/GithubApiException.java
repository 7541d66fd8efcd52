package dev.cde.bridge.github.api;

import dev.cde.bridge.problem.ApiException;

/**
 * GitHub answered with an error. Reaches the bridge's own clients as 502 (the upstream failed), while
 * {@link #githubStatus()} keeps GitHub's status for callers that branch on it (404 gone, 409 name taken, 422).
 * The message is GitHub's own {@code message}, never a request header or body, so no credential can leak.
 */
public class GithubApiException extends ApiException {
  private final int githubStatus;

  public GithubApiException(int githubStatus, String message) {
    super(502, "GitHub API error", "GitHub answered " + githubStatus + ": " + message);
    this.githubStatus = githubStatus;
  }

  public int githubStatus() {
    return githubStatus;
  }
}
