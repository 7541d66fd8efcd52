package dev.cde.bridge.github.webhook;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** Without a secret the webhook refuses every delivery (503): an unsigned delivery is never accepted. */
@ConfigMapping(prefix = "cde.github.webhook")
public interface WebhookConfig {
  /** The webhook secret set in the GitHub App or repository webhook ({@code CDE_GITHUB_WEBHOOK_SECRET}). */
  Optional<String> secret();

  /** A file holding the secret (e.g. a mounted Kubernetes secret); read on each delivery, so rotation needs no restart. */
  Optional<String> secretFile();
}
