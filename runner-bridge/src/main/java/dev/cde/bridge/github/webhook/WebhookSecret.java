package dev.cde.bridge.github.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves the webhook secret: {@code secret} if set, else the content of {@code secret-file}. */
@ApplicationScoped
public class WebhookSecret {
  private final WebhookConfig config;

  public WebhookSecret(WebhookConfig config) {
    this.config = config;
  }

  /** The secret, or a 503 problem when none is configured: an unsigned delivery is never accepted. */
  public String get() {
    if (config.secret().isPresent() && !config.secret().get().isEmpty()) {
      return config.secret().get();
    }
    if (config.secretFile().isPresent()) {
      Path file = Path.of(config.secretFile().get());
      try {
        // Files written by `echo` or Kubernetes often end in a newline that is not part of the secret.
        String secret = Files.readString(file).strip();
        if (!secret.isEmpty()) {
          return secret;
        }
      } catch (IOException e) {
        throw new WebhookNotConfiguredException("webhook secret not configured: cannot read"
            + " cde.github.webhook.secret-file " + file + " (" + e.getClass().getSimpleName() + ")");
      }
      throw new WebhookNotConfiguredException("webhook secret not configured: cde.github.webhook.secret-file "
          + file + " is empty");
    }
    throw new WebhookNotConfiguredException("webhook secret not configured: set cde.github.webhook.secret"
        + " (CDE_GITHUB_WEBHOOK_SECRET) or cde.github.webhook.secret-file to the webhook's secret");
  }
}
