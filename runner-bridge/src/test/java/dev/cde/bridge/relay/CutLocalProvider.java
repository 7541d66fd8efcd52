package dev.cde.bridge.relay;

import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.local.LocalProvider;
import dev.cde.tunnel.CuttableProxy;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local provider with a cuttable TCP proxy between the bridge and each instance's agent: the bridge dials
 * the proxy, so a test can break the network path in the middle of a job. Selected by
 * {@code cde.provider.name=cut-local}.
 */
@ApplicationScoped
public class CutLocalProvider implements InstanceProvider {
  static final Map<String, CuttableProxy> PROXIES = new ConcurrentHashMap<>();

  @Inject
  LocalProvider local;

  @Inject
  Vertx vertx;

  @Override
  public String name() {
    return "cut-local";
  }

  @Override
  public Instance launch(LaunchRequest request) throws ProviderException {
    Instance direct = local.launch(request);
    try {
      CuttableProxy proxy = new CuttableProxy(vertx, direct.tunnelEndpoint().getPort());
      PROXIES.put(direct.instanceId(), proxy);
      return new Instance(direct.instanceId(), URI.create("ws://127.0.0.1:" + proxy.port() + direct.tunnelEndpoint().getPath()));
    } catch (Exception e) {
      local.stop(direct.instanceId());
      throw new ProviderException("cannot start the proxy: " + e.getMessage());
    }
  }

  @Override
  public void stop(String instanceId) {
    local.stop(instanceId);
    CuttableProxy proxy = PROXIES.remove(instanceId);
    if (proxy != null) {
      try {
        proxy.close();
      } catch (Exception e) {
        // the proxy's sockets are gone with the instance anyway
      }
    }
  }

  @Override
  public InstanceStatus status(String instanceId) {
    return local.status(instanceId);
  }

  @Override
  public java.util.List<dev.cde.bridge.provider.HeldInstance> instances() {
    return local.instances();
  }

  @Override
  public java.util.Optional<String> exitReason(String instanceId) {
    return local.exitReason(instanceId);
  }

  @Override
  public dev.cde.bridge.provider.ProviderLimits limits() {
    return local.limits();
  }
}
