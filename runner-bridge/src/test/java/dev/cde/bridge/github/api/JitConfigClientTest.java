package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JitConfigClientTest {
  static final String JIT_PATH = "/repos/octo/hello/actions/runners/generate-jitconfig";
  static final String CREATED = "{\"runner\":{\"id\":23,\"name\":\"cde-4711-1\",\"os\":\"unknown\",\"status\":\"offline\","
      + "\"busy\":false,\"labels\":[]},\"encoded_jit_config\":\"ZW5jb2RlZC1qaXQ=\"}";

  private final GithubFixture gh = new GithubFixture();
  private final GithubFixture.Api api = gh.api(TestGithubConfig.withToken(gh.url(), "ghp_test"));

  @AfterEach
  void close() {
    gh.close();
  }

  static ResponseDefinitionBuilder created() {
    return aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody(CREATED);
  }

  static ResponseDefinitionBuilder error(int status, String message) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"message\":\"" + message + "\",\"documentation_url\":\"https://docs.github.com/rest\"}");
  }

  @Test
  void generatesAJitConfigWithNameGroupLabelsAndWorkFolder() {
    gh.server.stubFor(post(urlEqualTo(JIT_PATH)).willReturn(created()));

    JitRunner runner = api.jit().generate("octo", "hello", "cde-4711-1", List.of("cde-serverless", "cpu=4"));

    assertThat(runner.runnerId()).isEqualTo(23);
    assertThat(runner.name()).isEqualTo("cde-4711-1");
    assertThat(runner.encodedJitConfig()).isEqualTo("ZW5jb2RlZC1qaXQ=");
    gh.server.verify(postRequestedFor(urlEqualTo(JIT_PATH))
        .withHeader("Authorization", equalTo("Bearer ghp_test"))
        .withHeader("User-Agent", equalTo("cde-bridge"))
        .withRequestBody(equalToJson("{\"name\":\"cde-4711-1\",\"runner_group_id\":1,"
            + "\"labels\":[\"cde-serverless\",\"cpu=4\"],\"work_folder\":\"_work\"}")));
  }

  @Test
  void orgModeUsesTheOrganizationEndpoint() {
    gh.server.stubFor(post(urlEqualTo("/orgs/acme/actions/runners/generate-jitconfig")).willReturn(created()));
    JitConfigClient jit = gh.api(TestGithubConfig.withToken(gh.url(), "ghp_test").inOrg("acme")).jit();

    assertThat(jit.generate("octo", "hello", "cde-4711-1", List.of("cde-serverless")).runnerId()).isEqualTo(23);
  }

  @Test
  void nameTakenByAnOfflineRunnerDeletesItAndRetriesOnce() {
    gh.server.stubFor(post(urlEqualTo(JIT_PATH)).inScenario("jit").whenScenarioStateIs(STARTED)
        .willReturn(error(409, "Already exists - A runner with the name cde-4711-1 already exists."))
        .willSetStateTo("deleted"));
    gh.server.stubFor(post(urlEqualTo(JIT_PATH)).inScenario("jit").whenScenarioStateIs("deleted").willReturn(created()));
    gh.server.stubFor(get(urlPathEqualTo("/repos/octo/hello/actions/runners")).withQueryParam("name", equalTo("cde-4711-1"))
        .willReturn(okJson("{\"total_count\":1,\"runners\":[{\"id\":99,\"name\":\"cde-4711-1\",\"os\":\"linux\","
            + "\"status\":\"offline\",\"busy\":false,\"labels\":[]}]}")));
    gh.server.stubFor(delete(urlEqualTo("/repos/octo/hello/actions/runners/99")).willReturn(aResponse().withStatus(204)));

    JitRunner runner = api.jit().generate("octo", "hello", "cde-4711-1", List.of("cde-serverless"));

    assertThat(runner.runnerId()).isEqualTo(23);
    gh.server.verify(1, deleteRequestedFor(urlEqualTo("/repos/octo/hello/actions/runners/99")));
    gh.server.verify(2, postRequestedFor(urlEqualTo(JIT_PATH)));
  }

  @Test
  void nameTakenByAnOnlineRunnerFailsWithoutDeletingIt() {
    gh.server.stubFor(post(urlEqualTo(JIT_PATH)).willReturn(error(409, "Already exists")));
    gh.server.stubFor(get(urlPathEqualTo("/repos/octo/hello/actions/runners"))
        .willReturn(okJson("{\"total_count\":1,\"runners\":[{\"id\":99,\"name\":\"cde-4711-1\",\"status\":\"online\","
            + "\"busy\":true,\"labels\":[]}]}")));

    assertThatThrownBy(() -> api.jit().generate("octo", "hello", "cde-4711-1", List.of("cde-serverless")))
        .isInstanceOfSatisfying(GithubApiException.class, e -> assertThat(e.githubStatus()).isEqualTo(409))
        .hasMessageContaining("'cde-4711-1' is already registered to an online runner (id 99)");
    gh.server.verify(0, deleteRequestedFor(urlPathEqualTo("/repos/octo/hello/actions/runners/99")));
    gh.server.verify(1, postRequestedFor(urlEqualTo(JIT_PATH)));
  }

  @Test
  void unprocessableCarriesGithubsMessage() {
    gh.server.stubFor(post(urlEqualTo(JIT_PATH)).willReturn(error(422, "Runner group 5 does not exist")));

    assertThatThrownBy(() -> api.jit().generate("octo", "hello", "cde-4711-1", List.of("cde-serverless")))
        .isInstanceOfSatisfying(GithubApiException.class, e -> assertThat(e.githubStatus()).isEqualTo(422))
        .hasMessage("GitHub answered 422: Runner group 5 does not exist");
    gh.server.verify(1, postRequestedFor(urlEqualTo(JIT_PATH)));
  }

  @Test
  void removingARunnerThatIsAlreadyGoneIsFine() {
    gh.server.stubFor(delete(urlEqualTo("/repos/octo/hello/actions/runners/23")).willReturn(error(404, "Not Found")));
    assertThat(api.registry().remove("octo", "hello", 23)).isFalse();
  }

  @Test
  void removingARunnerDeletesItsRegistration() {
    gh.server.stubFor(delete(urlEqualTo("/repos/octo/hello/actions/runners/23")).willReturn(aResponse().withStatus(204)));
    assertThat(api.registry().remove("octo", "hello", 23)).isTrue();
  }

  @Test
  void ownerAndRepositoryNamesCannotEscapeTheirPathSegment() {
    assertThatThrownBy(() -> api.jit().generate("octo/../../admin", "hello", "x", List.of("cde-serverless")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
