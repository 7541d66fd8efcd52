package dev.cde.bridge.provider.cloudrun;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * WireMock as Google: the OAuth token endpoint (https://developers.google.com/identity/protocols/oauth2/service-account#httprest:
 * {"access_token","expires_in","token_type"}), the metadata server's token path, and the Cloud Run Admin API v2
 * services (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services#Service): {@code cde-cpu}
 * (4 vCPU, 8 GiB) and {@code cde-l4} (8 vCPU, 32 GiB, one L4), both with a 3,600 s timeout and one request per instance.
 */
final class FakeCloudRun implements AutoCloseable {
  static final String ACCESS_TOKEN = "ya29.EXAMPLE-access-token";
  static final String PATH = "/v2/projects/cde-project/locations/us-central1/services/";

  final WireMockServer server = new WireMockServer(options().dynamicPort());
  final KeyPair serviceAccountKey;

  FakeCloudRun() throws Exception {
    server.start();
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    serviceAccountKey = g.generateKeyPair();
    String token = "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}";
    server.stubFor(post("/token").willReturn(okJson(token)));
    server.stubFor(get("/computeMetadata/v1/instance/service-accounts/default/token").willReturn(okJson(token)));
    services("unset");
  }

  /** Both services, with {@code publicKey} as their CDE_AGENT_PUBLIC_KEY (what the operator deployed). */
  void services(String publicKey) {
    server.stubFor(get(PATH + "cde-cpu").willReturn(okJson(service("cde-cpu", "4", "8Gi", null, publicKey))));
    server.stubFor(get(PATH + "cde-l4").willReturn(okJson(service("cde-l4", "8", "32Gi", "1", publicKey))));
  }

  static String service(String name, String cpu, String memory, String gpus, String publicKey) {
    return """
        {"name":"projects/cde-project/locations/us-central1/services/%s","uid":"8e5e0c8a-0000-4000-8000-000000000000",
         "uri":"https://%s-abcdefghij-uc.a.run.app","ingress":"INGRESS_TRAFFIC_ALL","launchStage":"GA",
         "template":{"timeout":"3600s","maxInstanceRequestConcurrency":1,"gpuZonalRedundancyDisabled":true,
           %s
           "containers":[{"image":"us-docker.pkg.dev/cde-project/cde/cde-function:1","ports":[{"name":"http1","containerPort":9000}],
             "env":[{"name":"CDE_AGENT_PUBLIC_KEY","value":"%s"}],
             "resources":{"limits":{"cpu":"%s","memory":"%s"%s},"cpuIdle":false,"startupCpuBoost":true}}]},
         "terminalCondition":{"type":"Ready","state":"CONDITION_SUCCEEDED"}}
        """.formatted(name, name, gpus == null ? "" : "\"nodeSelector\":{\"accelerator\":\"nvidia-l4\"},", publicKey, cpu, memory,
        gpus == null ? "" : ",\"nvidia.com/gpu\":\"" + gpus + "\"");
  }

  /** A service account key file as the Cloud console downloads it, whose token_uri is this fake. */
  Path keyFile(Path dir) throws Exception {
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(serviceAccountKey.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    String json = """
        {"type":"service_account","project_id":"cde-project","private_key_id":"0123456789abcdef",
         "private_key":%s,"client_email":"cde-bridge@cde-project.iam.gserviceaccount.com","client_id":"1234567890",
         "token_uri":"%s/token"}
        """.formatted(com.fasterxml.jackson.databind.node.TextNode.valueOf(pem).toString(), server.baseUrl());
    return Files.writeString(dir.resolve("sa.json"), json);
  }

  CloudRunProvider provider(Map<String, String> env) {
    CloudRunConfig config = new CloudRunConfig() {
      public Optional<String> project() {
        return Optional.of("cde-project");
      }

      public Optional<String> region() {
        return Optional.of("us-central1");
      }

      public Optional<List<String>> services() {
        return Optional.of(List.of("cde-cpu", "cde-l4"));
      }

      public URI endpoint() {
        return URI.create(server.baseUrl());
      }

      public URI metadataUrl() {
        return URI.create(server.baseUrl());
      }
    };
    return new CloudRunProvider(config, env, Clock.systemUTC());
  }

  @Override
  public void close() {
    server.stop();
  }
}
