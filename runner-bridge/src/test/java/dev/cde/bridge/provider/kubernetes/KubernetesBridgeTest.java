package dev.cde.bridge.provider.kubernetes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.cde.bridge.home.BridgeHome;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real bridge on the kubernetes provider, its API server fabric8's mock one (CRUD mode) with a fake kubelet: the
 * session API refuses what the cluster cannot run, a pod that cannot pull its image fails its session with those
 * words, an OOM kill ends a running session with that reason, and the reconciler deletes pods of no session. The
 * tunnel is the tests' canned one (it checks the pod's address accepts TCP: the kubelet gives 127.0.0.1 and the
 * agent's port is the mock server's own).
 */
@QuarkusTest
@TestProfile(KubernetesBridgeTest.Profile.class)
class KubernetesBridgeTest {
  static final String NS = "cde-bridge-test";

  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("cde.provider.name", "kubernetes",
          "cde.kubernetes.namespace", NS,
          "cde.kubernetes.image", "registry.example/cde-function:1",
          "cde.kubernetes.gpu-types.l4.max-count", "1",
          "cde.kubernetes.gpu-types.l4.tolerations", "nvidia.com/gpu:NoSchedule",
          "cde.kubernetes.start-timeout", "20s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(MockApi.class));
    }
  }

  /** The mock API server, found by the bridge's fabric8 client through its standard system properties. */
  public static class MockApi implements QuarkusTestResourceLifecycleManager {
    static KubernetesMockServer server;

    @Override
    public Map<String, String> start() {
      server = KubernetesTestConfig.crudServer();
      System.setProperty("kubernetes.master", server.url("/"));
      System.setProperty("kubernetes.auth.tryKubeConfig", "false");
      System.setProperty("kubernetes.auth.tryServiceAccount", "false");
      System.setProperty("kubernetes.namespace", "wrong-namespace-config-wins");
      // the canned tunnel checks the pod's port accepts TCP: the mock server's port on 127.0.0.1 does
      return Map.of("cde.kubernetes.port", Integer.toString(server.getPort()));
    }

    @Override
    public void stop() {
      for (String p : List.of("kubernetes.master", "kubernetes.auth.tryKubeConfig", "kubernetes.auth.tryServiceAccount",
          "kubernetes.namespace")) {
        System.clearProperty(p);
      }
      server.destroy();
    }
  }

  static KubernetesClient client;
  static FakeKubelet kubelet;

  @Inject
  BridgeHome home;

  @BeforeAll
  static void kubelet() {
    client = MockApi.server.createClient();
    kubelet = new FakeKubelet(client, NS, () -> "127.0.0.1");
  }

  @AfterAll
  static void stopKubelet() {
    kubelet.close();
    client.close();
  }

  RequestSpecification api() throws Exception {
    return given().header("Authorization", "Bearer " + Files.readString(home.apiToken()).strip());
  }

  @Test
  void aSpecTheClusterCannotRunIsRefusedAndNothingIsMade() throws Exception {
    api().contentType(ContentType.JSON).body("{\"gpu\":\"a100\"}").post("/api/v1/sessions").then().statusCode(400)
        .contentType("application/problem+json")
        .body("detail", equalTo("provider kubernetes cannot run this spec: gpu type 'a100' is not offered (it offers: l4)"));
    api().contentType(ContentType.JSON).body("{\"gpu\":\"l4:2\"}").post("/api/v1/sessions").then().statusCode(400)
        .body("detail", equalTo("provider kubernetes cannot run this spec: 2 GPUs of type l4 are more than its 1 per instance"));
    api().contentType(ContentType.JSON).body("{\"template\":\"pytorch\"}").post("/api/v1/sessions").then()
        .statusCode(400).body("detail", equalTo("provider kubernetes cannot run this spec: template 'pytorch' has no"
            + " image (cde.kubernetes.images.pytorch)"));
    assertThat(client.pods().inNamespace(NS).withLabel(PodSpecs.SESSION_LABEL, "none").list().getItems()).isEmpty();
  }

  @Test
  void aRunningSessionIsAGpuPodAndAnOomKillEndsItWithThatReason() throws Exception {
    JsonPath s = api().contentType(ContentType.JSON).body("{\"gpu\":\"l4\",\"cpu\":2,\"memory\":\"4g\"}")
        .post("/api/v1/sessions?wait=true").then().statusCode(201).extract().jsonPath();
    String id = s.getString("id");
    assertThat(s.getString("state")).isEqualTo("RUNNING");
    assertThat(s.getString("provider")).isEqualTo("kubernetes");
    assertThat(s.getString("endpoint")).isEqualTo("ws://127.0.0.1:" + MockApi.server.getPort() + "/tunnel");
    var pod = client.pods().inNamespace(NS).withName("cde-" + id).get();
    assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("1")).containsEntry("cpu", new Quantity("2000m"));
    assertThat(pod.getSpec().getTolerations()).singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
    // the broker's env for the agent, in the secret only
    assertThat(client.secrets().inNamespace(NS).withName("cde-" + id + "-env").get().getStringData())
        .containsEntry("CDE_SESSION_ID", id).containsKey("CDE_AGENT_PUBLIC_KEY");

    kubelet.set("cde-" + id, FakeKubelet::oomKilled);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> api().get("/api/v1/sessions/" + id).then()
        .body("state", equalTo("ENDED"))
        .body("endReason", equalTo("instance exited: pod failed: OOMKilled, exit code 137")));
    assertThat(client.pods().inNamespace(NS).withName("cde-" + id).get()).isNull();
    assertThat(client.secrets().inNamespace(NS).withName("cde-" + id + "-env").get()).isNull();
  }

  @Test
  void anImageThatCannotBePulledFailsTheSessionWithThoseWords() throws Exception {
    kubelet.otherwise(FakeKubelet::imagePullBackOff);
    try {
      JsonPath s = api().contentType(ContentType.JSON).body("{}").post("/api/v1/sessions?wait=true").then()
          .extract().jsonPath();
      assertThat(s.getString("state")).isEqualTo("FAILED");
      assertThat(s.getString("endReason")).isEqualTo("pod cde-" + s.getString("id") + " did not start:"
          + " ImagePullBackOff: Back-off pulling image \"registry.example/nope:1\"");
      assertThat(client.pods().inNamespace(NS).withName("cde-" + s.getString("id")).get()).isNull();
    } finally {
      kubelet.otherwise(null);
    }
  }

  @Test
  void theReconcilerDeletesPodsAndSecretsOfNoActiveSession() {
    String orphan = "s-orphan2345a";
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("cde-" + orphan + "-env")
        .withLabels(PodSpecs.labels(orphan)).endMetadata().build()).create();
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("cde-" + orphan)
        .withLabels(PodSpecs.labels(orphan)).endMetadata().withNewSpec().addNewContainer().withName("agent")
        .withImage("x").endContainer().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(client.pods().inNamespace(NS).withName("cde-" + orphan).get()).isNull();
      assertThat(client.secrets().inNamespace(NS).withName("cde-" + orphan + "-env").get()).isNull();
    });
  }
}
