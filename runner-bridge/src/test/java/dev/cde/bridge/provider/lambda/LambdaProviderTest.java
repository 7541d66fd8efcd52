package dev.cde.bridge.provider.lambda;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.cde.bridge.provider.CapturedLogs;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.SpecRefusedException;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * The lambda provider against WireMock. Request and response shapes from the Lambda API reference:
 * https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html (the FunctionConfiguration
 * object), https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (202 for InvocationType Event) and
 * https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html / the x-amzn-ErrorType header for errors.
 */
class LambdaProviderTest {
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN";
  static final String DIAL_TOKEN = "eyJhbGciOiJFZERTQSJ9.dial-token-EXAMPLE.signature";

  WireMockServer aws;
  LambdaProvider provider;
  CapturedLogs logs;

  @BeforeEach
  void start() {
    aws = new WireMockServer(options().dynamicPort());
    aws.start();
    logs = new CapturedLogs();
    provider = new LambdaProvider(config("cde-function", URI.create(aws.baseUrl())),
        () -> AwsSessionCredentialsIdentity.create("AKIDEXAMPLE", SECRET, SESSION_TOKEN), Map.of("AWS_REGION", "eu-west-1"),
        Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    logs.close();
    aws.stop();
  }

  static LambdaConfig config(String function, URI endpoint) {
    return new LambdaConfig() {
      public Optional<String> functionName() {
        return Optional.ofNullable(function);
      }

      public Optional<String> region() {
        return Optional.empty();
      }

      public Optional<URI> endpoint() {
        return Optional.of(endpoint);
      }
    };
  }

  void functionWith(int memoryMb, int timeoutSeconds, String state) {
    aws.stubFor(get("/2015-03-31/functions/cde-function/configuration").willReturn(okJson("""
        {"FunctionName":"cde-function","FunctionArn":"arn:aws:lambda:eu-west-1:123456789012:function:cde-function",
         "PackageType":"Image","MemorySize":%d,"Timeout":%d,"State":"%s","StateReason":"The function is being created.",
         "LastUpdateStatus":"Successful","Architectures":["x86_64"],"EphemeralStorage":{"Size":10240}}
        """.formatted(memoryMb, timeoutSeconds, state))));
  }

  static LaunchRequest session(InstanceSpec spec) {
    return new LaunchRequest("s-lambda0001", spec, Map.of("CDE_SESSION_ID", "s-lambda0001",
        "CDE_DIAL_OUT_URL", "wss://bridge.example/api/v1/sessions/s-lambda0001/agent", "CDE_AGENT_DIAL_TOKEN", DIAL_TOKEN));
  }

  static InstanceSpec cpu(double cpu, long memoryMb, long seconds) {
    return new InstanceSpec("default", cpu, memoryMb, null, 0, seconds);
  }

  @Test
  void aSessionIsOneAsynchronousSignedInvocationWhoseAgentDialsOut() throws Exception {
    functionWith(4096, 900, "Active");
    aws.stubFor(post("/2015-03-31/functions/cde-function/invocations").willReturn(aResponse().withStatus(202)
        .withHeader("x-amzn-RequestId", "5a9f1c2e-0b7d-4d55-9c1e-2f0a8b3c4d5e")));

    Instance instance = provider.launch(session(cpu(2, 2048, 900)));

    assertThat(instance.dialsOut()).isTrue();
    assertThat(instance.instanceId()).isEqualTo("5a9f1c2e-0b7d-4d55-9c1e-2f0a8b3c4d5e");
    aws.verify(postRequestedFor(urlEqualTo("/2015-03-31/functions/cde-function/invocations"))
        .withHeader("X-Amz-Invocation-Type", matching("Event"))
        .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/lambda/aws4_request, "
            + "SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}"))
        .withHeader("X-Amz-Security-Token", matching(SESSION_TOKEN)));
    aws.verify(getRequestedFor(urlEqualTo("/2015-03-31/functions/cde-function/configuration"))
        .withHeader("Authorization", matching("AWS4-HMAC-SHA256 .*")));
    JsonNode payload = CloudApi.JSON.readTree(aws.getAllServeEvents().stream()
        .filter(e -> e.getRequest().getMethod().getName().equals("POST")).findFirst().orElseThrow().getRequest().getBodyAsString());
    assertThat(payload.path("sessionId").asText()).isEqualTo("s-lambda0001");
    assertThat(payload.path("env").path("CDE_DIAL_OUT_URL").asText()).isEqualTo("wss://bridge.example/api/v1/sessions/s-lambda0001/agent");
    assertThat(payload.path("env").path("CDE_AGENT_DIAL_TOKEN").asText()).isEqualTo(DIAL_TOKEN);

    assertThat(provider.status(instance.instanceId())).isEqualTo(InstanceStatus.RUNNING);
    provider.stop(instance.instanceId());
    assertThat(provider.status(instance.instanceId())).isEqualTo(InstanceStatus.EXITED);
    provider.stop(instance.instanceId()); // twice: harmless
    provider.stop("never-launched");
    assertThat(provider.status("never-launched")).isEqualTo(InstanceStatus.UNKNOWN);
    assertThat(logs.text()).contains("s-lambda0001").doesNotContain(SECRET, SESSION_TOKEN, DIAL_TOKEN);
  }

  @Test
  void whatLambdaCannotRunIsRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> provider.launch(session(new InstanceSpec("default", 1, 2048, "t4", 1, 600))))
        .isInstanceOf(SpecRefusedException.class).hasMessageContaining("gpu type 't4' is not offered (it offers no GPUs)");
    assertThatThrownBy(() -> provider.launch(session(cpu(1, 2048, 901))))
        .hasMessageContaining("max duration 901 s is over its limit of 900 s");
    assertThatThrownBy(() -> provider.launch(session(cpu(1, 10_241, 600))))
        .hasMessageContaining("memory 10241 MiB is over its limit of 10240 MiB");
    assertThat(aws.getAllServeEvents()).as("no request reached AWS").isEmpty();
  }

  @Test
  void whatTheDeployedFunctionCannotRunIsRefusedBeforeInvoking() {
    functionWith(2048, 300, "Active");
    assertThatThrownBy(() -> provider.launch(session(cpu(1, 4096, 300)))).hasMessageContaining("has 2048 MB");
    assertThatThrownBy(() -> provider.launch(session(cpu(2, 2048, 300)))).hasMessageContaining("1.16 vCPUs");
    assertThatThrownBy(() -> provider.launch(session(cpu(1, 2048, 600)))).hasMessageContaining("times out after 300 s");
    aws.verify(0, postRequestedFor(urlEqualTo("/2015-03-31/functions/cde-function/invocations")));
  }

  @Test
  void launchFailuresAreReportedWithLambdasOwnErrorAndNoSecret() {
    aws.stubFor(get("/2015-03-31/functions/cde-function/configuration").willReturn(aResponse().withStatus(404)
        .withHeader("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awslambda/")
        .withHeader("Content-Type", "application/json")
        .withBody("{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:eu-west-1:123456789012:function:cde-function\"}")));
    assertThatThrownBy(() -> provider.launch(session(cpu(1, 2048, 600)))).isInstanceOf(ProviderException.class)
        .hasMessage("AWS Lambda GetFunctionConfiguration(cde-function) failed: HTTP 404 ResourceNotFoundException: "
            + "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:cde-function");

    functionWith(2048, 900, "Pending");
    assertThatThrownBy(() -> provider.launch(session(cpu(1, 2048, 600))))
        .hasMessage("Lambda function cde-function is Pending: The function is being created.");

    functionWith(2048, 900, "Active");
    aws.stubFor(post("/2015-03-31/functions/cde-function/invocations").willReturn(aResponse().withStatus(429)
        .withHeader("x-amzn-ErrorType", "TooManyRequestsException").withHeader("Content-Type", "application/json")
        .withBody("{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}")));
    assertThatThrownBy(() -> provider.launch(session(cpu(1, 2048, 600))))
        .hasMessage("AWS Lambda Invoke(cde-function) failed: HTTP 429 TooManyRequestsException: Rate Exceeded.");

    assertThatThrownBy(() -> new LambdaProvider(config(null, URI.create(aws.baseUrl())), () -> null, Map.of(),
        Clock.systemUTC()).launch(session(cpu(1, 2048, 600)))).hasMessageContaining("cde.lambda.function-name is not set");
    assertThat(logs.text()).doesNotContain(SECRET, SESSION_TOKEN, DIAL_TOKEN);
  }
}
