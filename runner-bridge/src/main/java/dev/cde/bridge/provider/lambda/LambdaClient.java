package dev.cde.bridge.provider.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.ProviderException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The two Lambda API calls the provider makes, signed with SigV4 by the AWS SDK's signer (already on the bridge's
 * class path for the GitLab cache; the whole Lambda SDK client would add its HTTP stack and model for two calls).
 * API reference: https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html and
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html.
 */
final class LambdaClient {
  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
  /** java.net.http sets these itself and refuses them from callers. */
  private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection");

  private final CloudApi api = new CloudApi("AWS Lambda");
  private final URI endpoint;
  private final String region;
  private final Supplier<AwsCredentialsIdentity> credentials;

  LambdaClient(URI endpoint, String region, Supplier<AwsCredentialsIdentity> credentials) {
    this.endpoint = endpoint;
    this.region = region;
    this.credentials = credentials;
  }

  /** {@code GET /2015-03-31/functions/{name}/configuration}: MemorySize, Timeout, State, ... */
  JsonNode configuration(String function) throws ProviderException {
    return api.call(signed(SdkHttpMethod.GET, "/2015-03-31/functions/" + path(function) + "/configuration", Map.of(), null),
        "GetFunctionConfiguration(" + function + ")");
  }

  /**
   * {@code POST /2015-03-31/functions/{name}/invocations} with {@code X-Amz-Invocation-Type: Event}: queued, answered
   * 202 at once; returns the invocation's request id.
   */
  String invokeAsync(String function, String payload) throws ProviderException {
    CloudApi.Answer a = api.send(signed(SdkHttpMethod.POST, "/2015-03-31/functions/" + path(function) + "/invocations",
        Map.of("X-Amz-Invocation-Type", "Event", "Content-Type", "application/json"), payload), "Invoke(" + function + ")");
    if (a.status() != 202) {
      throw api.failure("Invoke(" + function + ")", a);
    }
    return a.raw().headers().firstValue("x-amzn-RequestId").orElse("unknown");
  }

  private HttpRequest signed(SdkHttpMethod method, String path, Map<String, String> headers, String body) {
    SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(method).uri(endpoint.resolve(path));
    headers.forEach(unsigned::putHeader);
    SignedRequest signed = SIGNER.sign(r -> r.identity(credentials.get()).request(unsigned.build())
        .payload(body == null ? null : ContentStreamProvider.fromUtf8String(body))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
        .putProperty(AwsV4HttpSigner.REGION_NAME, region));
    HttpRequest.Builder out = HttpRequest.newBuilder(signed.request().getUri())
        .method(method.name(), body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
      if (!RESTRICTED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
        h.getValue().forEach(v -> out.header(h.getKey(), v));
      }
    }
    return out.build();
  }

  private static String path(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
