package dev.cde.bridge.provider.cloudrun;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderConformance;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.ProviderLimits;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The conformance suite on the cloud-run provider against WireMock as Google ({@link FakeCloudRun}), with the metadata
 * server's tokens. No service runs here, so the tunnel and exec steps are skipped (declared).
 */
class CloudRunConformanceTest extends ProviderConformance {
  FakeCloudRun google;
  CloudRunProvider provider;

  @BeforeEach
  void fake() throws Exception {
    google = new FakeCloudRun();
    provider = google.provider(Map.of());
  }

  @AfterEach
  void close() {
    google.close();
  }

  /**
   * The provider as deployed for the suite's bridge: the operator put the bridge's public key in the services'
   * environment, so the fake answers with the key of the request being launched.
   */
  @Override
  protected InstanceProvider provider() {
    return new InstanceProvider() {
      public String name() {
        return provider.name();
      }

      public ProviderLimits limits() {
        return provider.limits();
      }

      public Instance launch(LaunchRequest request) throws ProviderException {
        google.services(request.env().get("CDE_AGENT_PUBLIC_KEY"));
        return provider.launch(request);
      }

      public void stop(String instanceId) {
        provider.stop(instanceId);
      }

      public InstanceStatus status(String instanceId) {
        return provider.status(instanceId);
      }

      public List<HeldInstance> instances() {
        return provider.instances();
      }
    };
  }

  @Override
  protected Set<Capability> capabilities() {
    return Set.of();
  }

  /** An L4 session: the GPU service is the one that fits. */
  @Override
  protected InstanceSpec spec() {
    return new InstanceSpec("default", 4, 16_384, "l4", 1, 3600);
  }

  @Override
  protected List<InstanceSpec> unmeetableSpecs() {
    return List.of(new InstanceSpec("default", 4, 16_384, "l4", 1, 3601), new InstanceSpec("default", 4, 16_384, "t4", 1, 600),
        new InstanceSpec("default", 4, 16_384, "l4", 2, 600), new InstanceSpec("default", 16, 16_384, null, 0, 600));
  }

  /** The service is gone: Google's own status and message reach the user. */
  @Override
  protected FailingLaunch failingLaunch(LaunchRequest ok) {
    google.server.stubFor(get(FakeCloudRun.PATH + "cde-cpu").atPriority(1).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json").withBody(
            "{\"error\":{\"code\":404,\"message\":\"Resource 'cde-cpu' of kind 'SERVICE' in region 'us-central1' in project "
                + "'cde-project' does not exist.\",\"status\":\"NOT_FOUND\"}}")));
    return new FailingLaunch(ok, "GetService(cde-cpu) failed: HTTP 404 NOT_FOUND: Resource 'cde-cpu' of kind 'SERVICE'");
  }

  @Override
  protected void verifyLaunched(LaunchRequest request, Instance instance) {
    assertThat(instance.tunnelEndpoint().toString()).isEqualTo("wss://cde-l4-abcdefghij-uc.a.run.app/tunnel");
  }
}
