package dev.cde.bridge.health;

import dev.cde.bridge.session.SessionStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when the session table answers: the database is up and migrated. */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements HealthCheck {
  private final SessionStore store;

  public DatabaseReadiness(SessionStore store) {
    this.store = store;
  }

  @Override
  public HealthCheckResponse call() {
    try {
      return HealthCheckResponse.named("bridge database").up().withData("sessions", store.count()).build();
    } catch (RuntimeException e) {
      return HealthCheckResponse.named("bridge database").down().withData("error", e.getMessage()).build();
    }
  }
}
