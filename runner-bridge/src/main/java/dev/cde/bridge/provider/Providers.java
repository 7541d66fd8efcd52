package dev.cde.bridge.provider;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.util.List;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/** Picks the provider named by {@code cde.provider.name}; an unknown name stops the bridge at startup. */
@Startup
@ApplicationScoped
public class Providers {
  private static final Logger LOG = Logger.getLogger(Providers.class);
  private final InstanceProvider active;

  public Providers(ProviderConfig config, @Any Instance<InstanceProvider> all) {
    TreeMap<String, InstanceProvider> byName = new TreeMap<>();
    for (InstanceProvider p : all) {
      byName.put(p.name(), p);
    }
    this.active = select(config.name(), byName.keySet().stream().toList(), byName::get);
    LOG.infof("instance provider: %s", active.name());
  }

  static InstanceProvider select(String name, List<String> known, java.util.function.Function<String, InstanceProvider> get) {
    if (!known.contains(name)) {
      throw new IllegalStateException("unknown instance provider '" + name + "' (cde.provider.name); known providers: "
          + String.join(", ", known));
    }
    return get.apply(name);
  }

  public InstanceProvider active() {
    return active;
  }
}
