package dev.cde.bridge.provider.cloudrun;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "cde.cloud-run")
public interface CloudRunConfig {
  /** The Google Cloud project of the services. */
  Optional<String> project();

  /** The services' region, e.g. {@code us-central1}. */
  Optional<String> region();

  /**
   * The deployed services running the function image, in order of preference (e.g. {@code cde-cpu,cde-l4}): a session
   * goes to the first whose resources, GPU and request timeout fit its spec.
   */
  Optional<List<String>> services();

  /** The Cloud Run Admin API. */
  @WithDefault("https://run.googleapis.com")
  URI endpoint();

  /** Where access tokens come from when {@code GOOGLE_APPLICATION_CREDENTIALS} is not set: the metadata server. */
  @WithDefault("http://metadata.google.internal")
  URI metadataUrl();
}
