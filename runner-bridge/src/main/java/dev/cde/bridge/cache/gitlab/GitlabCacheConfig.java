package dev.cde.bridge.cache.gitlab;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The S3-compatible endpoint gitlab-runner's {@code [runners.cache] Type = "s3"} talks to (docs/gitlab.md,
 * "GitLab's cache: keyword"). The access key pair is the one written into the runner host's {@code config.toml};
 * only the runner host and the bridge hold it.
 */
@ConfigMapping(prefix = "cde.gitlab-cache")
public interface GitlabCacheConfig {
  /** Serve the endpoint. Off by default: without a key pair there is nothing it could accept. */
  @WithDefault("false")
  boolean enabled();

  /** The one bucket served ({@code BucketName} in config.toml); requests for any other get NoSuchBucket. */
  @WithDefault("cde-cache")
  String bucket();

  /** {@code AccessKey} in config.toml. Required when enabled. */
  Optional<String> accessKeyId();

  /** {@code SecretKey} in config.toml. Required when enabled; never logged nor echoed. */
  Optional<String> secretAccessKey();

  /** The region pre-signed URLs must be scoped to ({@code BucketLocation} in config.toml). */
  @WithDefault("us-east-1")
  String region();

  /** The largest object one PUT may store; a larger one gets 400 EntityTooLarge and nothing is kept. */
  @WithDefault("5G")
  MemorySize maxObjectSize();

  /** Bytes one GitLab project's cache objects may take; past it the least recently used go. */
  @WithDefault("10G")
  MemorySize projectQuota();

  /** An object neither downloaded nor uploaded for this long is removed. */
  @WithDefault("168h")
  Duration maxAge();

  /** How far the runner host's clock may be from the bridge's when a URL's date and expiry are checked. */
  @WithDefault("15m")
  Duration clockSkew();

  /** How often eviction by age and quota, and the sweep of abandoned uploads, run. */
  @WithDefault("10m")
  Duration sweepEvery();

  /** An upload whose temp file has not changed for this long was abandoned; the file is removed. */
  @WithDefault("6h")
  Duration abandonedUploadAfter();
}
