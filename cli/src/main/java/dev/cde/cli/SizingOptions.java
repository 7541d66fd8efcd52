package dev.cde.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options of a new session (its size, and where its cache calls read and write); shared by run, shell and forward. */
public final class SizingOptions {
  @Option(names = "--template", paramLabel = "NAME", description = "Session template (image and defaults).")
  String template;

  @Option(names = "--cpu", paramLabel = "N", converter = CpuConverter.class, description = "vCPUs, e.g. 2 or 0.5.")
  Double cpu;

  @Option(names = "--memory", paramLabel = "SIZE", converter = MemoryConverter.class, description = "Memory, e.g. 512m or 4g.")
  String memory;

  @Option(names = "--gpu", paramLabel = "TYPE[:N]", converter = GpuConverter.class, description = "GPU type and count, e.g. t4 or t4:2.")
  String gpu;

  @Option(names = "--max-duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Hard limit on the session's life, e.g. 30m or 1h30m.")
  String maxDuration;

  @Option(names = "--cache-scope", paramLabel = "REPOSITORY[@REF]",
      description = "Cache scope of the session (docs/caching.md, \"Scopes\"): `cde cache` and actions/cache calls in it "
          + "read and write the NAS as this repository and ref (default ref refs/heads/main), e.g. acme/app or "
          + "acme/app@refs/heads/feature.")
  String cacheScope;

  @Option(names = "--cache-default-ref", paramLabel = "REF", defaultValue = "refs/heads/main",
      description = "The repository's default ref, whose entries every ref may read (default: ${DEFAULT-VALUE}).")
  String cacheDefaultRef = "refs/heads/main";

  /**
   * Sizing from text values (null: not given), checked as the options are; for callers without a command
   * line (the GitLab executor reads them from job variables).
   * @throws IllegalArgumentException naming the bad value and an example of a good one
   */
  public static SizingOptions of(String template, String cpu, String memory, String gpu, String maxDuration) {
    SizingOptions o = new SizingOptions();
    o.template = template;
    o.cpu = cpu == null ? null : Sizes.cpu(cpu);
    o.memory = memory == null ? null : Sizes.memory(memory);
    o.gpu = gpu == null ? null : Sizes.gpu(gpu);
    o.maxDuration = maxDuration == null ? null : Sizes.duration(maxDuration);
    return o;
  }

  /** The JSON body of {@code POST /api/v1/sessions}, without the options not given. */
  public ObjectNode toSpec() {
    ObjectNode spec = BridgeClient.JSON.createObjectNode();
    if (template != null) {
      spec.put("template", template);
    }
    if (cpu != null) {
      if (cpu == Math.rint(cpu)) {
        spec.put("cpu", cpu.intValue());
      } else {
        spec.put("cpu", cpu);
      }
    }
    if (memory != null) {
      spec.put("memory", memory);
    }
    if (gpu != null) {
      spec.put("gpu", gpu);
    }
    if (maxDuration != null) {
      spec.put("maxDuration", maxDuration);
    }
    if (cacheScope != null) {
      // The bridge checks repository and refs (names, lengths, reserved refs) and answers with the reason.
      int at = cacheScope.indexOf('@');
      spec.set("cacheScope", BridgeClient.JSON.createObjectNode()
          .put("repository", at < 0 ? cacheScope : cacheScope.substring(0, at))
          .put("ref", at < 0 ? cacheDefaultRef : cacheScope.substring(at + 1))
          .put("defaultRef", cacheDefaultRef));
    }
    return spec;
  }

  private abstract static class Checked implements ITypeConverter<Object> {
    abstract Object check(String s);

    @Override
    public Object convert(String value) {
      try {
        return check(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class CpuConverter extends Checked {
    Object check(String s) {
      return Sizes.cpu(s);
    }
  }

  static final class MemoryConverter extends Checked {
    Object check(String s) {
      return Sizes.memory(s);
    }
  }

  static final class GpuConverter extends Checked {
    Object check(String s) {
      return Sizes.gpu(s);
    }
  }

  static final class DurationConverter extends Checked {
    Object check(String s) {
      return Sizes.duration(s);
    }
  }
}
