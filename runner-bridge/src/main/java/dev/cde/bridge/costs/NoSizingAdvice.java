package dev.cde.bridge.costs;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Until the bridge measures what a job used of its instance, it has no advice to give. */
@DefaultBean
@ApplicationScoped
public class NoSizingAdvice implements SizingAdvisor {
  @Override
  public Optional<String> advise(CostGrouping groupBy, CostGroup group) {
    return Optional.empty();
  }
}
