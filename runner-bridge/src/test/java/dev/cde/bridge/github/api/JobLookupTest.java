package dev.cde.bridge.github.api;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobLookupTest {
  private final GithubFixture gh = new GithubFixture();
  private final JobLookup jobs = gh.api(TestGithubConfig.withToken(gh.url(), "ghp_test")).jobs();

  @AfterEach
  void close() {
    gh.close();
  }

  private static String job(long id, long runId, String status, String runner) {
    return "{\"id\":" + id + ",\"run_id\":" + runId + ",\"run_attempt\":2,\"name\":\"build\",\"status\":\"" + status
        + "\",\"conclusion\":null,\"runner_name\":" + (runner == null ? "null" : "\"" + runner + "\"")
        + ",\"labels\":[\"cde-serverless\",\"cpu=4\"]}";
  }

  @Test
  void queuedJobsComeFromQueuedAndInProgressRuns() {
    String runs = "/repos/octo/hello/actions/runs";
    gh.server.stubFor(get(urlPathEqualTo(runs)).withQueryParam("status", equalTo("queued"))
        .willReturn(okJson("{\"total_count\":1,\"workflow_runs\":[{\"id\":1}]}")));
    gh.server.stubFor(get(urlPathEqualTo(runs)).withQueryParam("status", equalTo("in_progress"))
        .willReturn(okJson("{\"total_count\":1,\"workflow_runs\":[{\"id\":2}]}")));
    gh.server.stubFor(get(urlPathEqualTo(runs + "/1/jobs"))
        .willReturn(okJson("{\"total_count\":1,\"jobs\":[" + job(11, 1, "queued", null) + "]}")));
    gh.server.stubFor(get(urlPathEqualTo(runs + "/2/jobs")).willReturn(okJson("{\"total_count\":2,\"jobs\":["
        + job(21, 2, "in_progress", "cde-21-2") + "," + job(22, 2, "queued", null) + "]}")));

    List<WorkflowJob> queued = jobs.queuedJobs("octo", "hello");

    assertThat(queued).extracting(WorkflowJob::jobId).containsExactly(11L, 22L);
    assertThat(queued.get(0)).isEqualTo(new WorkflowJob(11, 1, 2, "build", List.of("cde-serverless", "cpu=4"),
        "queued", null, null));
  }

  @Test
  void oneJob() {
    gh.server.stubFor(get(urlEqualTo("/repos/octo/hello/actions/jobs/21"))
        .willReturn(okJson(job(21, 2, "in_progress", "cde-21-2"))));

    WorkflowJob job = jobs.job("octo", "hello", 21);

    assertThat(job.status()).isEqualTo("in_progress");
    assertThat(job.runnerName()).isEqualTo("cde-21-2");
    assertThat(job.runAttempt()).isEqualTo(2);
  }
}
