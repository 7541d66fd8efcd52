package dev.cde.bridge.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.session.SessionIds;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * examples/kubernetes: every manifest parses into the typed objects Kubernetes has for it, the pieces name each
 * other consistently, the config is one the bridge accepts, and the Role grants exactly the calls the provider
 * makes, measured by running the provider against the mock API server and reading what it sent.
 */
class ExampleManifestsTest {
  static final Path DIR = Path.of(System.getProperty("cde.root", "..")).resolve("examples/kubernetes");
  static final String KUBELET = "X-Cde-Fake-Kubelet";

  static List<HasMetadata> all() throws Exception {
    List<HasMetadata> all = new ArrayList<>();
    // load() parses locally: this client never calls its (absent) API server
    try (KubernetesClient parser = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withMasterUrl("https://parser.invalid").build()).build();
        Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          List<HasMetadata> items = parser.load(in).items();
          assertThat(items).as(f + " holds objects").isNotEmpty();
          all.addAll(items);
        }
      }
    }
    return all;
  }

  static <T extends HasMetadata> List<T> of(List<HasMetadata> all, Class<T> kind) {
    return all.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  @Test
  void everyManifestIsAKnownKindInTheCdeNamespace() throws Exception {
    List<HasMetadata> all = all();
    assertThat(all).noneMatch(o -> o instanceof GenericKubernetesResource);
    assertThat(all).extracting(HasMetadata::getKind).contains("Namespace", "ServiceAccount", "Role", "RoleBinding",
        "PersistentVolumeClaim", "ConfigMap", "Deployment", "Service");
    assertThat(all).filteredOn(o -> !"Namespace".equals(o.getKind()))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind()).isEqualTo("cde"));
  }

  @Test
  void thePiecesNameEachOtherAndTheConfigIsOneTheBridgeTakes() throws Exception {
    List<HasMetadata> all = all();
    Deployment d = of(all, Deployment.class).get(0);
    String account = d.getSpec().getTemplate().getSpec().getServiceAccountName();
    assertThat(of(all, ServiceAccount.class)).extracting(o -> o.getMetadata().getName()).containsExactly(account);
    RoleBinding binding = of(all, RoleBinding.class).get(0);
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo(account));
    assertThat(binding.getRoleRef().getName()).isEqualTo(of(all, Role.class).get(0).getMetadata().getName());

    Properties props = new Properties();
    ConfigMap cm = of(all, ConfigMap.class).get(0);
    props.load(new StringReader(cm.getData().get("application.properties")));
    Map<String, String> kube = new TreeMap<>();
    props.stringPropertyNames().stream().filter(k -> k.startsWith("cde.kubernetes."))
        .forEach(k -> kube.put(k, props.getProperty(k)));
    // SmallRye refuses a key of the mapping's prefix that the mapping does not have
    KubernetesConfig config = KubernetesTestConfig.of(kube);
    config.gpuTypes().values().forEach(g -> g.tolerations().orElse(List.of()).forEach(PodSpecs::toleration));
    assertThat(props.getProperty("cde.provider.name")).isEqualTo(KubernetesProvider.NAME);
    assertThat(config.namespace()).contains("cde");

    // the NAS claim exists, is RWX, is what instances mount, and the bridge mounts it where cde.cache.root says
    PersistentVolumeClaim nas = of(all, PersistentVolumeClaim.class).stream()
        .filter(p -> p.getMetadata().getName().equals(config.nasClaim().orElseThrow())).findFirst().orElseThrow();
    assertThat(nas.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
    Map<String, String> claimOfVolume = d.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .collect(Collectors.toMap(Volume::getName, v -> v.getPersistentVolumeClaim().getClaimName()));
    var mounts = d.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts();
    assertThat(mounts).anySatisfy(m -> {
      assertThat(claimOfVolume.get(m.getName())).isEqualTo(nas.getMetadata().getName());
      assertThat(m.getMountPath()).isEqualTo(props.getProperty("cde.cache.root"));
    });
    assertThat(mounts).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo(props.getProperty("cde.home")));
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("/etc/cde/application.properties"));
    assertThat(URI.create(props.getProperty("cde.github.runners.callback-url")).getHost())
        .isEqualTo("cde-bridge.cde.svc.cluster.local");
  }

  @Test
  void theRoleGrantsExactlyTheCallsTheProviderMakes() throws Exception {
    Set<String> granted = new TreeSet<>();
    for (PolicyRule rule : of(all(), Role.class).get(0).getRules()) {
      assertThat(rule.getApiGroups()).containsExactly("");
      for (String resource : rule.getResources()) {
        rule.getVerbs().forEach(v -> granted.add(resource + ":" + v));
      }
    }
    assertThat(used()).isEqualTo(granted);
  }

  /** Every call of a session's whole life, a failed launch and the orphan sweep's listing, as resource:verb. */
  static Set<String> used() throws Exception {
    KubernetesMockServer server = KubernetesTestConfig.crudServer();
    Set<String> used = new TreeSet<>();
    try (KubernetesClient client = server.createClient();
        KubernetesClient kubeletClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
            client.getConfiguration()).withCustomHeaders(Map.of(KUBELET, "1")).build()).build();
        FakeKubelet kubelet = new FakeKubelet(kubeletClient, "cde")) {
      KubernetesProvider provider = new KubernetesProvider(KubernetesTestConfig.gpuCluster(Map.of(
          "cde.kubernetes.namespace", "cde", "cde.kubernetes.start-timeout", "20s")), client);
      provider.start();
      try {
        LaunchRequest ok = new LaunchRequest(SessionIds.next(), new InstanceSpec("default", 2, 4096, "l4", 1, 600),
            Map.of("CDE_AGENT_PUBLIC_KEY", "k"));
        Instance i = provider.launch(ok);
        provider.status(i.instanceId());
        provider.exitReason(i.instanceId());
        provider.instances();
        provider.stop(i.instanceId());
        LaunchRequest failing = new LaunchRequest(SessionIds.next(), ok.spec(), ok.env());
        kubelet.outcome(failing.sessionId(), FakeKubelet::imagePullBackOff);
        try {
          provider.launch(failing);
        } catch (dev.cde.bridge.provider.ProviderException expected) {
          // its deletes are what is measured here
        }
      } finally {
        provider.close();
      }
      RecordedRequest r;
      while ((r = server.takeRequest(1, TimeUnit.SECONDS)) != null) {
        if (r.getHeader(KUBELET) == null) {
          used.add(verb(r));
        }
      }
    } finally {
      server.destroy();
    }
    return used;
  }

  /** {@code GET /api/v1/namespaces/cde/pods?watch=true...} → {@code pods:watch}, as RBAC names the request. */
  static String verb(RecordedRequest r) {
    URI uri = URI.create(r.getPath());
    String[] p = uri.getPath().split("/");
    // "", api, v1, namespaces, <ns>, <resource>[, <name>[, <subresource>]]
    assertThat(p[1] + "/" + p[2] + "/" + p[3]).as(r.getPath()).isEqualTo("api/v1/namespaces");
    String resource = p[5] + (p.length > 7 ? "/" + p[7] : "");
    boolean named = p.length > 6;
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String verb = switch (r.getMethod()) {
      case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> r.getMethod();
    };
    return resource + ":" + verb;
  }
}
