package dev.cde.bridge.provider.lambda;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderConformance;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The conformance suite on the lambda provider against WireMock as the Lambda API (shapes from
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html and API_GetFunctionConfiguration.html). No function
 * runs here, so there is no agent to dial in: the tunnel and exec steps are skipped (declared); the dial-out path
 * itself runs end to end in DialOutTest with the real agent and a real bridge.
 */
class LambdaConformanceTest extends ProviderConformance {
  WireMockServer aws;
  LambdaProvider provider;

  @BeforeEach
  void fakeLambda() {
    aws = new WireMockServer(options().dynamicPort().globalTemplating(true));
    aws.start();
    aws.stubFor(get("/2015-03-31/functions/cde-function/configuration").willReturn(okJson(
        "{\"FunctionName\":\"cde-function\",\"PackageType\":\"Image\",\"MemorySize\":4096,\"Timeout\":900,\"State\":\"Active\"}")));
    aws.stubFor(post("/2015-03-31/functions/cde-function/invocations").willReturn(aResponse().withStatus(202)
        .withHeader("x-amzn-RequestId", "{{randomValue type='UUID'}}")));
    provider = new LambdaProvider(LambdaProviderTest.config("cde-function", URI.create(aws.baseUrl())),
        () -> AwsCredentialsIdentity.create("AKIDEXAMPLE", "secret"), Map.of("AWS_REGION", "us-east-1"), Clock.systemUTC());
  }

  @AfterEach
  void stopFake() {
    aws.stop();
  }

  @Override
  protected InstanceProvider provider() {
    return provider;
  }

  @Override
  protected Set<Capability> capabilities() {
    return Set.of();
  }

  @Override
  protected List<InstanceSpec> unmeetableSpecs() {
    return List.of(new InstanceSpec("default", 1, 512, "t4", 1, 600), new InstanceSpec("default", 1, 512, null, 0, 901),
        new InstanceSpec("default", 8, 512, null, 0, 600));
  }

  /** The function is not there: Lambda's own error reaches the user. */
  @Override
  protected FailingLaunch failingLaunch(LaunchRequest ok) {
    aws.stubFor(get("/2015-03-31/functions/cde-function/configuration").willReturn(aResponse().withStatus(404)
        .withHeader("x-amzn-ErrorType", "ResourceNotFoundException").withHeader("Content-Type", "application/json")
        .withBody("{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:us-east-1:123456789012:function:cde-function\"}")));
    return new FailingLaunch(ok, "ResourceNotFoundException: Function not found");
  }

  /** The invocation's payload carried the session and its whole env, for the Lambda entry to give the agent. */
  @Override
  protected void verifyLaunched(LaunchRequest request, Instance instance) throws Exception {
    JsonNode payload = CloudApi.JSON.readTree(aws.getAllServeEvents().stream()
        .filter(e -> e.getRequest().getUrl().endsWith("/invocations")).findFirst().orElseThrow().getRequest().getBodyAsString());
    assertThat(payload.path("sessionId").asText()).isEqualTo(request.sessionId());
    assertThat(CloudApi.JSON.convertValue(payload.path("env"), Map.class)).isEqualTo(request.env());
    assertThat(instance.dialsOut()).isTrue();
  }
}
