package dev.cde.bridge.provider.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderConformance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite on the local provider for real: the built agent jar as a child process (in bubblewrap where
 * it works), dialled with a bridge-signed token, running a command. Its own home, so the instances are out of any
 * bridge's sight.
 */
class LocalConformanceTest extends ProviderConformance {
  @TempDir
  Path home;

  private LocalProvider provider;

  @Override
  protected InstanceProvider provider() {
    if (provider == null) {
      provider = new LocalProvider(config(), new BridgeHome(home.resolve("home")),
          Optional.ofNullable(System.getProperty("cde.root")).map(Path::of), home.resolve("nas"));
    }
    return provider;
  }

  @Override
  protected Set<Capability> capabilities() {
    return Set.of(Capability.TUNNEL, Capability.EXEC);
  }

  /** More memory than this machine has: a process on it cannot get that. */
  @Override
  protected List<InstanceSpec> unmeetableSpecs() {
    long hostMb = provider().limits().maxMemoryMb();
    return List.of(new InstanceSpec("default", 1, hostMb + 1024, null, 0, 600));
  }

  /** Without the bridge's public key the agent refuses to start: the error must carry the agent's own words. */
  @Override
  protected FailingLaunch failingLaunch(LaunchRequest ok) {
    Map<String, String> env = new HashMap<>(ok.env());
    env.remove("CDE_AGENT_PUBLIC_KEY");
    return new FailingLaunch(new LaunchRequest(ok.sessionId(), ok.spec(), env), "CDE_AGENT_PUBLIC_KEY is not set");
  }

  /** The process got the request's env (bubblewrap passes it on), and the agent started for this session. */
  @Override
  protected void verifyLaunched(LaunchRequest request, Instance instance) throws Exception {
    BridgeHome h = new BridgeHome(home.resolve("home"));
    long pid = Long.parseLong(Files.readString(h.instances().resolve(instance.instanceId() + ".pid")).split(" ")[0]);
    String environ = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
        StandardCharsets.UTF_8);
    assertThat(List.of(environ.split("\0")))
        .contains(PROBE_ENV + "=" + request.env().get(PROBE_ENV), "CDE_SESSION_ID=" + request.sessionId());
    assertThat(instance.tunnelEndpoint().getHost()).isEqualTo("127.0.0.1");
  }

  private static LocalConfig config() {
    return new LocalConfig() {
      @Override
      public Optional<Path> agentJar() {
        return Optional.empty();
      }

      @Override
      public Optional<List<String>> agentCommand() {
        return Optional.empty();
      }

      @Override
      public SandboxMode sandbox() {
        return SandboxMode.AUTO;
      }

      @Override
      public Duration startTimeout() {
        return Duration.ofSeconds(30);
      }

      @Override
      public java.util.OptionalInt maxStarting() {
        return java.util.OptionalInt.empty();
      }

      @Override
      public boolean dialOut() {
        return false;
      }
    };
  }
}
