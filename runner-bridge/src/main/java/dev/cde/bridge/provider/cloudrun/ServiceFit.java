package dev.cde.bridge.provider.cloudrun;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.ProviderLimits;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a deployed Cloud Run service (the Service resource of the Admin API v2:
 * https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services) can carry a session of a spec.
 * Platform limits: request timeout at most 3,600 s (https://cloud.google.com/run/docs/configuring/request-timeout),
 * one NVIDIA L4 per instance with at least 4 vCPUs and 16 GiB (https://cloud.google.com/run/docs/configuring/services/gpu),
 * at most 8 vCPUs and 32 GiB (https://cloud.google.com/run/docs/configuring/services/cpu, .../memory-limits).
 */
final class ServiceFit {
  static final long MAX_SECONDS = 3600;
  static final ProviderLimits LIMITS = new ProviderLimits(MAX_SECONDS, 8, 32_768, Map.of("l4", 1), false);
  private static final Pattern QUANTITY = Pattern.compile("(\\d+(?:\\.\\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T|m)?");

  private ServiceFit() {
  }

  /** Why the service cannot carry the spec, or an empty list when it can. */
  static List<String> misfits(JsonNode service, InstanceSpec spec) {
    List<String> why = new ArrayList<>();
    JsonNode template = service.path("template");
    JsonNode limits = template.path("containers").path(0).path("resources").path("limits");
    double cpu = quantity(limits.path("cpu").asText("1"));
    long memoryMb = (long) (quantity(limits.path("memory").asText("512Mi")) / (1024 * 1024));
    long timeout = seconds(template.path("timeout").asText("300s"));
    int gpus = limits.path("nvidia.com/gpu").asInt(0);
    if (template.path("maxInstanceRequestConcurrency").asInt(80) != 1) {
      why.add("it serves " + template.path("maxInstanceRequestConcurrency").asInt(80)
          + " requests per instance (deploy with --concurrency 1: one session per instance)");
    }
    if (spec.cpu() > cpu) {
      why.add("it has " + limits.path("cpu").asText("1") + " vCPU, the session asks " + spec.cpu());
    }
    if (spec.memoryMb() > memoryMb) {
      why.add("it has " + memoryMb + " MiB, the session asks " + spec.memoryMb());
    }
    if (spec.gpuCount() > gpus) {
      why.add("it has " + (gpus == 0 ? "no GPU" : gpus + " GPU") + ", the session asks " + spec.gpuType() + ":" + spec.gpuCount());
    }
    if (spec.maxDurationSeconds() > timeout) {
      why.add("its request timeout is " + timeout + " s, the session may last " + spec.maxDurationSeconds() + " s");
    }
    return why;
  }

  /** A Kubernetes-style quantity ({@code 4}, {@code 1000m}, {@code 16Gi}, {@code 512M}) as a number of units. */
  static double quantity(String q) {
    Matcher m = QUANTITY.matcher(q.strip());
    if (!m.matches()) {
      return 0;
    }
    BigDecimal n = new BigDecimal(m.group(1));
    long factor = switch (m.group(2) == null ? "" : m.group(2)) {
      case "Ki" -> 1L << 10;
      case "Mi" -> 1L << 20;
      case "Gi" -> 1L << 30;
      case "Ti" -> 1L << 40;
      case "k", "K" -> 1_000L;
      case "M" -> 1_000_000L;
      case "G" -> 1_000_000_000L;
      case "T" -> 1_000_000_000_000L;
      default -> 1L;
    };
    return "m".equals(m.group(2)) ? n.doubleValue() / 1000 : n.multiply(BigDecimal.valueOf(factor)).doubleValue();
  }

  /** A protobuf Duration in JSON ({@code "3600s"}, {@code "1.5s"}). */
  static long seconds(String duration) {
    try {
      return (long) Double.parseDouble(duration.replaceFirst("s$", ""));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
