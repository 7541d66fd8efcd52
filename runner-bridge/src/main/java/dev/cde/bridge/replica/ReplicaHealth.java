package dev.cde.bridge.replica;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Says in {@code /q/health} which replica this is and whether it leads. Always up: following is as healthy as
 * leading, and a replica must not be restarted (or taken out of a load balancer) for not leading.
 */
@Liveness
@ApplicationScoped
public class ReplicaHealth implements HealthCheck {
  private final Replica replica;

  public ReplicaHealth(Replica replica) {
    this.replica = replica;
  }

  @Override
  public HealthCheckResponse call() {
    var r = HealthCheckResponse.named("bridge replica").up().withData("id", replica.id())
        .withData("leader", replica.leads());
    try {
      r.withData("leaderId", replica.leader().orElse("(none)"));
    } catch (RuntimeException e) {
      r.withData("leaderId", "(unknown: " + e.getMessage() + ")");
    }
    return r.build();
  }
}
