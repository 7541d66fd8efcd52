package dev.cde.bridge.relay;

import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.local.LocalProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The local provider playing a platform whose instances all start with one deployed environment (a Function Compute
 * function, a Cloud Run service): its agents get only what such an operator deploys (the bridge's public key and the
 * idle timeout), not the session's variables. Selected by {@code cde.provider.name=shared-env-local}.
 */
@ApplicationScoped
public class SharedEnvLocalProvider implements InstanceProvider {
  /** What docs/providers.md has the operator put in the function's or service's environment. */
  static final Set<String> DEPLOYED = Set.of("CDE_AGENT_PUBLIC_KEY", "CDE_IDLE_TIMEOUT_SECONDS");

  @Inject
  LocalProvider local;

  @Override
  public String name() {
    return "shared-env-local";
  }

  @Override
  public boolean sharesEnvironment() {
    return true;
  }

  @Override
  public Instance launch(LaunchRequest request) throws ProviderException {
    Map<String, String> deployed = request.env().entrySet().stream().filter(e -> DEPLOYED.contains(e.getKey()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    return local.launch(new LaunchRequest(request.sessionId(), request.spec(), deployed));
  }

  @Override
  public void stop(String instanceId) {
    local.stop(instanceId);
  }

  @Override
  public InstanceStatus status(String instanceId) {
    return local.status(instanceId);
  }

  @Override
  public List<HeldInstance> instances() {
    return local.instances();
  }
}
