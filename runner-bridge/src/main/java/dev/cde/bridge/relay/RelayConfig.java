package dev.cde.bridge.relay;

import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Optional;

/** What clients may reach through a session's {@code tcp} channels beyond what {@link TcpTargets} refuses. */
@ConfigMapping(prefix = "cde.relay")
public interface RelayConfig {
  /**
   * {@code host} or {@code host:port} entries a {@code tcp} channel may reach even though the relay would refuse
   * them (a cloud metadata address, the bridge's own port where instances share its host). The agent's own list
   * ({@code CDE_TCP_ALLOW}) still applies inside the instance.
   */
  Optional<List<String>> tcpAllow();
}
