package dev.cde.bridge.provider;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one instance of a provider can have at most. {@code gpus} maps each GPU type the provider offers to the
 * most of it one instance may have; {@code anyGpu} lets every type through (a provider that does not attach GPUs
 * itself, such as {@code local}, where the agent simply sees the host's).
 */
public record ProviderLimits(long maxDurationSeconds, double maxCpu, long maxMemoryMb, Map<String, Integer> gpus,
    boolean anyGpu) {
  /** No limit of its own: the session parser's ranges are the only ones. */
  public static final ProviderLimits NONE = new ProviderLimits(Long.MAX_VALUE, Double.MAX_VALUE, Long.MAX_VALUE,
      Map.of(), true);

  public ProviderLimits {
    gpus = Map.copyOf(gpus);
  }

  /** Throws with every unmet limit named (all at once, so one fix is enough), or returns when the spec fits. */
  public void check(String provider, InstanceSpec spec) throws SpecRefusedException {
    StringBuilder why = new StringBuilder();
    if (spec.maxDurationSeconds() > maxDurationSeconds) {
      add(why, "max duration " + spec.maxDurationSeconds() + " s is over its limit of " + maxDurationSeconds + " s");
    }
    if (spec.cpu() > maxCpu) {
      add(why, "cpu " + plain(spec.cpu()) + " is over its limit of " + plain(maxCpu));
    }
    if (spec.memoryMb() > maxMemoryMb) {
      add(why, "memory " + spec.memoryMb() + " MiB is over its limit of " + maxMemoryMb + " MiB");
    }
    if (spec.gpuCount() > 0 && !anyGpu) {
      String type = spec.gpuType() == null ? "" : spec.gpuType().toLowerCase(Locale.ROOT);
      Integer most = gpus.get(type);
      if (most == null) {
        add(why, "gpu type '" + spec.gpuType() + "' is not offered ("
            + (gpus.isEmpty() ? "it offers no GPUs" : "it offers: " + String.join(", ", new TreeMap<>(gpus).keySet()))
            + ")");
      } else if (spec.gpuCount() > most) {
        add(why, spec.gpuCount() + " GPUs of type " + type + " are more than its " + most + " per instance");
      }
    }
    if (why.length() > 0) {
      throw new SpecRefusedException("provider " + provider + " cannot run this spec: " + why);
    }
  }

  private static void add(StringBuilder why, String reason) {
    why.append(why.length() == 0 ? "" : "; ").append(reason);
  }

  private static String plain(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
