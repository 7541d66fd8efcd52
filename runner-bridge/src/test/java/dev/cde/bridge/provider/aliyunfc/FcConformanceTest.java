package dev.cde.bridge.provider.aliyunfc;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderConformance;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The conformance suite on the aliyun-fc provider against WireMock as the FC 3.0 API ({@link FakeFunctionCompute}).
 * No function runs here, so the tunnel and exec steps are skipped (declared).
 */
class FcConformanceTest extends ProviderConformance {
  FakeFunctionCompute fc;
  FcProvider provider;

  @BeforeEach
  void fake() {
    fc = new FakeFunctionCompute();
    provider = fc.provider(Optional.of("registry.cn-hangzhou.aliyuncs.com/cde/cde-function:1"));
  }

  @AfterEach
  void close() {
    fc.close();
  }

  @Override
  protected InstanceProvider provider() {
    return provider;
  }

  @Override
  protected Set<Capability> capabilities() {
    return Set.of();
  }

  /** A GPU spec: FC's main use. */
  @Override
  protected InstanceSpec spec() {
    return new InstanceSpec("default", 2, 8192, "t4", 1, 3600);
  }

  @Override
  protected List<InstanceSpec> unmeetableSpecs() {
    return List.of(new InstanceSpec("default", 2, 8192, "h100", 1, 600), new InstanceSpec("default", 2, 8192, "t4", 2, 600),
        new InstanceSpec("default", 2, 8192, null, 0, 86_401), new InstanceSpec("default", 32, 8192, null, 0, 600));
  }

  /** FC refuses the function (an image it cannot pull): its code and message reach the user. */
  @Override
  protected FailingLaunch failingLaunch(LaunchRequest ok) {
    fc.server.stubFor(post("/2023-03-30/functions").willReturn(FakeFunctionCompute.error(400, "InvalidArgument",
        "image registry.cn-hangzhou.aliyuncs.com/cde/cde-function:1 is not accessible")));
    return new FailingLaunch(ok, "InvalidArgument: image registry.cn-hangzhou.aliyuncs.com/cde/cde-function:1 is not accessible");
  }

  @Override
  protected void verifyLaunched(LaunchRequest request, Instance instance) throws Exception {
    JsonNode f = CloudApi.JSON.readTree(fc.requests().stream().filter(r -> r.getUrl().equals("/2023-03-30/functions"))
        .findFirst().orElseThrow().getBodyAsString());
    assertThat(f.path("functionName").asText()).isEqualTo("cde-c200-m8192-t4");
    assertThat(f.path("cpu").asDouble()).isEqualTo(2.0);
    assertThat(f.path("memorySize").asLong()).isEqualTo(8192);
    assertThat(f.path("gpuConfig").path("gpuType").asText()).isEqualTo("fc.gpu.tesla.1");
    assertThat(f.path("gpuConfig").path("gpuMemorySize").asInt()).isEqualTo(16_384);
    assertThat(f.path("instanceConcurrency").asInt()).isEqualTo(1);
    assertThat(f.path("timeout").asLong()).isEqualTo(86_400);
    assertThat(f.path("customContainerConfig").path("port").asInt()).isEqualTo(9000);
    assertThat(f.path("nasConfig").path("mountPoints").get(0).path("mountDir").asText()).isEqualTo("/nas");
    // what all sessions of the function share; the session's own variables are not the function's
    assertThat(f.path("environmentVariables").path("CDE_AGENT_PUBLIC_KEY").asText())
        .isEqualTo(request.env().get("CDE_AGENT_PUBLIC_KEY"));
    assertThat(f.path("environmentVariables").has("CDE_SESSION_ID")).isFalse();
    assertThat(instance.tunnelEndpoint().toString())
        .isEqualTo("wss://cde-c200-m8192-t4-abcdefghij.cn-hangzhou.fcapp.run/tunnel");
  }
}
