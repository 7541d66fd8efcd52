package dev.cde.bridge.provider.aliyunfc;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * WireMock as the Function Compute 3.0 API, with the shapes of its reference
 * (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-getfunction,
 * -createfunction, -updatefunction, -gettrigger, -createtrigger; errors as {"Code","Message","RequestId"} with the
 * HTTP status, e.g. 404 FunctionNotFound): no function and no trigger at first; CreateFunction and UpdateFunction
 * answer the function as sent; CreateTrigger answers the trigger with its URL.
 */
final class FakeFunctionCompute implements AutoCloseable {
  static final String KEY_ID = "LTAI5tEXAMPLEkeyID";
  static final String SECRET = "EXAMPLEsecretKEYof30charsXXXXX";
  static final String STS_TOKEN = "CAIS-EXAMPLE-sts-token";

  final WireMockServer server = new WireMockServer(options().dynamicPort().globalTemplating(true));

  FakeFunctionCompute() {
    server.start();
    server.stubFor(get(urlMatching("/2023-03-30/functions/[^/]+")).willReturn(error(404, "FunctionNotFound",
        "function '{{request.pathSegments.[2]}}' does not exist")));
    server.stubFor(post("/2023-03-30/functions").willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("{{{request.body}}}")));
    server.stubFor(put(urlMatching("/2023-03-30/functions/[^/]+")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("{{{request.body}}}")));
    server.stubFor(get(urlMatching("/2023-03-30/functions/[^/]+/triggers/[^/]+")).willReturn(error(404, "TriggerNotFound",
        "trigger '{{request.pathSegments.[4]}}' does not exist in function '{{request.pathSegments.[2]}}'")));
    server.stubFor(post(urlMatching("/2023-03-30/functions/[^/]+/triggers")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("""
            {"triggerName":"cde-http","triggerType":"http","triggerId":"3b4c7a2e-0000-4000-8000-000000000001",
             "qualifier":"LATEST","status":"Ready",
             "triggerConfig":"{\\"authType\\":\\"anonymous\\",\\"methods\\":[\\"GET\\",\\"POST\\"]}",
             "httpTrigger":{"urlInternet":"https://{{request.pathSegments.[2]}}-abcdefghij.cn-hangzhou.fcapp.run",
               "urlIntranet":"https://{{request.pathSegments.[2]}}-abcdefghij.cn-hangzhou-vpc.fcapp.run"}}
            """)));
  }

  static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder error(int status, String code, String message) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"Code\":\"" + code + "\",\"Message\":\"" + message + "\",\"RequestId\":\"1-6565-EXAMPLE\"}");
  }

  FcProvider provider(Optional<String> image) {
    return new FcProvider(config(image), Map.of("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        SECRET, "ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN), Clock.systemUTC());
  }

  /** Every setting given, as an operator following docs/providers.md would. */
  FcConfig config(Optional<String> image) {
    return new FcConfig() {
      public Optional<String> accountId() {
        return Optional.of("1234567890123456");
      }

      public Optional<String> region() {
        return Optional.of("cn-hangzhou");
      }

      public Optional<URI> endpoint() {
        return Optional.of(URI.create(server.baseUrl()));
      }

      public Optional<String> image() {
        return image;
      }

      public String functionPrefix() {
        return "cde";
      }

      public Optional<String> role() {
        return Optional.of("acs:ram::1234567890123456:role/cde-function");
      }

      public Optional<String> nasServer() {
        return Optional.of("0a1b2c3d4e-abc12.cn-hangzhou.nas.aliyuncs.com:/cde");
      }

      public String nasMountDir() {
        return "/nas";
      }

      public int nasUserId() {
        return 1001;
      }

      public Optional<String> vpcId() {
        return Optional.of("vpc-bp1EXAMPLE");
      }

      public Optional<List<String>> vswitchIds() {
        return Optional.of(List.of("vsw-bp1EXAMPLE"));
      }

      public Optional<String> securityGroupId() {
        return Optional.of("sg-bp1EXAMPLE");
      }
    };
  }

  List<LoggedRequest> requests() {
    return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
        com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
  }

  @Override
  public void close() {
    server.stop();
  }
}
