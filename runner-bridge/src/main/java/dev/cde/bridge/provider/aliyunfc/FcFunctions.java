package dev.cde.bridge.provider.aliyunfc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cde.bridge.provider.CloudApi;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.ProviderLimits;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;

/**
 * An instance spec as a Function Compute 3.0 function: its name (one function per shape, reused by every session
 * of that shape) and its CreateFunction body
 * (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-createfunction).
 * Limits from shared/notes/serverless-platforms.md and FC's limits page
 * (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/limits): 86,400 s per invocation,
 * 0.05 to 16 vCPUs with 1 to 4 GB of memory per vCPU, up to 32 GB; one GPU per instance: T4 16 GB
 * ({@code fc.gpu.tesla.1}), A10 24 GB ({@code fc.gpu.ampere.1}), Ada 48 GB ({@code fc.gpu.ada.1}).
 */
final class FcFunctions {
  static final long MAX_SECONDS = 86_400;
  static final double MAX_CPU = 16;
  static final long MAX_MEMORY_MB = 32_768;
  /** The cde GPU type, its FC type and its whole memory (FC hands GPU memory out in 1024 MB steps). */
  record Gpu(String fcType, int memoryMb) {
  }

  static final Map<String, Gpu> GPUS = Map.of("t4", new Gpu("fc.gpu.tesla.1", 16_384), "a10",
      new Gpu("fc.gpu.ampere.1", 24_576), "ada", new Gpu("fc.gpu.ada.1", 49_152));
  static final ProviderLimits LIMITS = new ProviderLimits(MAX_SECONDS, MAX_CPU, MAX_MEMORY_MB,
      Map.of("t4", 1, "a10", 1, "ada", 1), false);
  static final String TRIGGER = "cde-http";
  /** The agent's port: FC's default CAPort (docs/agent.md). */
  static final int PORT = 9000;

  private FcFunctions() {
  }

  /** The shape FC will run: cpu in 0.05 steps, memory in 64 MB steps, raised to keep 1 to 4 GB per vCPU. */
  record Shape(BigDecimal cpu, long memoryMb, String gpu) {
    static Shape of(InstanceSpec spec) {
      BigDecimal cpu = BigDecimal.valueOf(spec.cpu()).divide(BigDecimal.valueOf(0.05), 0, RoundingMode.CEILING)
          .multiply(BigDecimal.valueOf(0.05)).max(BigDecimal.valueOf(0.05));
      long memory = Math.max(roundUp(spec.memoryMb(), 64), roundUp(cpu.multiply(BigDecimal.valueOf(1024)).longValue(), 64));
      // more than 4 GB per vCPU: FC wants more vCPUs, not less memory
      BigDecimal minCpu = BigDecimal.valueOf(memory).divide(BigDecimal.valueOf(4096), 2, RoundingMode.CEILING)
          .divide(BigDecimal.valueOf(0.05), 0, RoundingMode.CEILING).multiply(BigDecimal.valueOf(0.05));
      cpu = cpu.max(minCpu).stripTrailingZeros();
      return new Shape(cpu, memory, spec.gpuCount() == 0 ? null : spec.gpuType().toLowerCase(Locale.ROOT));
    }

    String functionName(String prefix) {
      return prefix + "-c" + cpu.movePointRight(2).toBigInteger() + "-m" + memoryMb + (gpu == null ? "" : "-" + gpu);
    }
  }

  static long roundUp(long v, long step) {
    return (v + step - 1) / step * step;
  }

  /** The CreateFunction body (UpdateFunction takes the same without {@code functionName}). */
  static ObjectNode body(Shape shape, String name, FcConfig config, String image, Map<String, String> env) {
    ObjectNode f = CloudApi.JSON.createObjectNode();
    f.put("functionName", name);
    f.put("description", "cde instances of this shape (managed by the cde bridge)");
    f.put("runtime", "custom-container");
    f.put("handler", "not-used");
    f.put("cpu", shape.cpu());
    f.put("memorySize", shape.memoryMb());
    f.put("diskSize", 10_240);
    // the session's own limit is kept by the bridge (and by the agent's max lifetime); the function allows the most
    f.put("timeout", MAX_SECONDS);
    // one WebSocket, one session, one instance
    f.put("instanceConcurrency", 1);
    f.put("internetAccess", true);
    ObjectNode container = f.putObject("customContainerConfig");
    container.put("image", image);
    container.put("port", PORT);
    ObjectNode health = container.putObject("healthCheckConfig");
    health.put("httpGetUrl", "/healthz");
    health.put("initialDelaySeconds", 0);
    health.put("periodSeconds", 1);
    health.put("timeoutSeconds", 1);
    health.put("failureThreshold", 30);
    health.put("successThreshold", 1);
    if (shape.gpu() != null) {
      Gpu gpu = GPUS.get(shape.gpu());
      ObjectNode g = f.putObject("gpuConfig");
      g.put("gpuType", gpu.fcType());
      g.put("gpuMemorySize", gpu.memoryMb());
    }
    f.set("environmentVariables", CloudApi.JSON.valueToTree(env));
    config.role().ifPresent(r -> f.put("role", r));
    if (config.vpcId().isPresent()) {
      ObjectNode vpc = f.putObject("vpcConfig");
      vpc.put("vpcId", config.vpcId().get());
      ArrayNode sw = vpc.putArray("vSwitchIds");
      config.vswitchIds().orElse(java.util.List.of()).forEach(sw::add);
      config.securityGroupId().ifPresent(g -> vpc.put("securityGroupId", g));
    }
    config.nasServer().ifPresent(server -> {
      ObjectNode nas = f.putObject("nasConfig");
      nas.put("userId", config.nasUserId());
      nas.put("groupId", config.nasUserId());
      ObjectNode mount = nas.putArray("mountPoints").addObject();
      mount.put("serverAddr", server);
      mount.put("mountDir", config.nasMountDir());
      mount.put("enableTLS", false);
    });
    return f;
  }

  /** The CreateTrigger body: an anonymous HTTP trigger (the agent checks the bridge's token on every connection). */
  static ObjectNode trigger() {
    ObjectNode t = CloudApi.JSON.createObjectNode();
    t.put("triggerName", TRIGGER);
    t.put("triggerType", "http");
    t.put("triggerConfig", "{\"authType\":\"anonymous\",\"methods\":[\"GET\",\"POST\"],\"disableURLInternet\":false}");
    return t;
  }
}
