package dev.cde.bridge.provider.lambda;

import io.smallrye.config.ConfigMapping;
import java.net.URI;
import java.util.Optional;

@ConfigMapping(prefix = "cde.lambda")
public interface LambdaConfig {
  /** The function (name or ARN) running the function image with its Lambda entry; required for {@code lambda}. */
  Optional<String> functionName();

  /** The function's region; default {@code AWS_REGION}, then {@code AWS_DEFAULT_REGION}. */
  Optional<String> region();

  /** The Lambda API; default {@code https://lambda.<region>.amazonaws.com}. */
  Optional<URI> endpoint();
}
