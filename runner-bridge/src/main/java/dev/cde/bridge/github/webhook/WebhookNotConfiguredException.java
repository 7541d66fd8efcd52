package dev.cde.bridge.github.webhook;

import dev.cde.bridge.problem.ApiException;

/** No webhook secret, so no delivery can be verified (503): the admin must configure one. */
public class WebhookNotConfiguredException extends ApiException {
  public WebhookNotConfiguredException(String detail) {
    super(503, "Service unavailable", detail);
  }
}
