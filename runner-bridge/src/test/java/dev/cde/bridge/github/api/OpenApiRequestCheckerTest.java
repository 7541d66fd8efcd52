package dev.cde.bridge.github.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checker itself must catch what it is there to catch, or the other tests prove nothing. */
class OpenApiRequestCheckerTest {
  private final OpenApiRequestChecker checker = OpenApiRequestChecker.github();
  private static final String JIT = "/repos/octo/hello/actions/runners/generate-jitconfig";

  @Test
  void acceptsAConformingJitRequest() {
    assertThat(checker.violations("POST", JIT,
        "{\"name\":\"r\",\"runner_group_id\":1,\"labels\":[\"a\"],\"work_folder\":\"_work\"}")).isEmpty();
    assertThat(checker.violations("GET", "/repos/octo/hello/actions/runners?name=r", null)).isEmpty();
    assertThat(checker.violations("DELETE", "/orgs/acme/actions/runners/5", null)).isEmpty();
  }

  @Test
  void flagsMissingRequiredWrongTypesAndUnknownProperties() {
    assertThat(checker.violations("POST", JIT, "{\"name\":\"r\",\"runner_group_id\":\"1\",\"labels\":[3],\"colour\":1}"))
        .anySatisfy(v -> assertThat(v).contains("'runner_group_id' should be [integer]"))
        .anySatisfy(v -> assertThat(v).contains("an item of 'labels' should be [string]"))
        .anySatisfy(v -> assertThat(v).contains("'colour' is not defined"));
    assertThat(checker.violations("POST", JIT, "{\"name\":\"r\",\"runner_group_id\":1}"))
        .containsExactly("required property 'labels' is missing");
    assertThat(checker.violations("POST", JIT, null)).containsExactly("the request body is required");
  }

  @Test
  void flagsUnknownPathsMethodsAndQueryParameters() {
    assertThat(checker.violations("POST", "/repos/octo/hello/actions/runner/generate-jitconfig", "{}"))
        .singleElement().asString().startsWith("no path template");
    assertThat(checker.violations("PUT", JIT, "{}")).singleElement().asString().contains("PUT is not defined");
    assertThat(checker.violations("GET", "/repos/octo/hello/actions/runners?runner_name=r", null))
        .singleElement().asString().contains("query parameter 'runner_name' is not declared");
  }
}
