package dev.cde.bridge.cost;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the shipped price tables ({@value #SHIPPED}) and merges a user's file over them: maps merge key by key,
 * anything else is replaced. Every mistake in a file is a {@link PriceFileException} that names the file and the
 * field (an unknown key, a negative price, a missing or unknown currency), so a bad file stops the bridge at
 * startup instead of pricing jobs wrongly.
 */
public final class PriceFiles {
  public static final String SHIPPED = "prices/prices.yaml";
  private static final String SHIPPED_NAME = "classpath:" + SHIPPED;
  private static final YAMLMapper YAML = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private PriceFiles() {
  }

  /** The shipped tables, with {@code userFile} merged over them when given. */
  public static PriceBook load(Optional<Path> userFile) {
    JsonNode shipped = readShipped();
    FileModel own = check(shipped, SHIPPED_NAME, true);
    if (userFile.isEmpty()) {
      return build(own, SHIPPED_NAME);
    }
    String name = userFile.get().toString();
    JsonNode user = read(userFile.get());
    check(user, name, false);
    // The shipped tables are complete, so whatever the merge lacks is missing from the user's file.
    JsonNode merged = merge(shipped.deepCopy(), user);
    return build(check(merged, name, true), name);
  }

  private static JsonNode readShipped() {
    try (InputStream in = PriceFiles.class.getClassLoader().getResourceAsStream(SHIPPED)) {
      if (in == null) {
        throw new PriceFileException(SHIPPED_NAME, null, "missing from the bridge's jar");
      }
      return tree(YAML.readTree(in), SHIPPED_NAME);
    } catch (JsonProcessingException e) {
      throw new PriceFileException(SHIPPED_NAME, null, "not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new PriceFileException(SHIPPED_NAME, null, "cannot be read: " + e.getMessage());
    }
  }

  static JsonNode read(Path file) {
    String name = file.toString();
    try {
      return tree(YAML.readTree(Files.readString(file)), name);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      throw new PriceFileException(name, null, "not valid YAML" + where + ": " + e.getOriginalMessage());
    } catch (NoSuchFileException e) {
      throw new PriceFileException(name, null, "no such file (cde.cost.prices-file)");
    } catch (IOException e) {
      throw new PriceFileException(name, null, "cannot be read: " + e.getMessage());
    }
  }

  private static JsonNode tree(JsonNode root, String name) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      return YAML.createObjectNode(); // an empty file changes nothing
    }
    if (!root.isObject()) {
      throw new PriceFileException(name, null, "must be a mapping with 'tables' and/or 'github-hosted'");
    }
    return root;
  }

  /**
   * Maps onto the file model and checks what is there: unknown keys, wrong types, negative prices, bad durations,
   * dates and currencies. With {@code complete}, also that nothing required is missing.
   */
  static FileModel check(JsonNode tree, String name, boolean complete) {
    FileModel m;
    try {
      m = YAML.treeToValue(tree, FileModel.class);
    } catch (UnrecognizedPropertyException e) {
      throw new PriceFileException(name, path(e), "unknown key '" + e.getPropertyName() + "' (known: "
          + e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList() + ")");
    } catch (JsonMappingException e) {
      throw new PriceFileException(name, path(e), e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new PriceFileException(name, null, e.getOriginalMessage());
    }
    if (m.tables() != null) {
      m.tables().forEach((provider, p) -> checkProvider(name, "tables." + provider, p, complete));
    }
    if (m.githubHosted() != null) {
      checkGithub(name, "github-hosted", m.githubHosted(), complete);
    } else if (complete) {
      throw new PriceFileException(name, "github-hosted", "missing");
    }
    if (complete && (m.tables() == null || m.tables().isEmpty())) {
      throw new PriceFileException(name, "tables", "missing");
    }
    return m;
  }

  private static void checkProvider(String name, String at, ProviderModel p, boolean complete) {
    if (p == null) {
      throw new PriceFileException(name, at, "empty");
    }
    if (p.regions() != null) {
      p.regions().forEach((region, r) -> checkRegion(name, at + ".regions." + region, r, complete));
    }
    if (!complete) {
      return;
    }
    if (p.regions() == null || p.regions().isEmpty()) {
      throw new PriceFileException(name, at + ".regions", "missing: a table needs at least one region");
    }
    if (p.defaultRegion() != null && !p.regions().containsKey(p.defaultRegion())) {
      throw new PriceFileException(name, at + ".default-region", "'" + p.defaultRegion() + "' is not one of "
          + p.regions().keySet());
    }
    if (p.defaultRegion() == null && p.regions().size() > 1) {
      throw new PriceFileException(name, at + ".default-region", "missing: which of " + p.regions().keySet()
          + " applies when cde.cost.region is not set");
    }
  }

  private static void checkRegion(String name, String at, RegionModel r, boolean complete) {
    if (r == null) {
      throw new PriceFileException(name, at, "empty");
    }
    if (r.currency() != null) {
      currency(name, at + ".currency", r.currency());
    }
    nonNegative(name, at + ".vcpu-second", r.vcpuSecond());
    nonNegative(name, at + ".gib-second", r.gibSecond());
    nonNegative(name, at + ".request", r.request());
    if (r.gpuSecond() != null) {
      r.gpuSecond().forEach((type, price) -> {
        if (price == null) {
          throw new PriceFileException(name, at + ".gpu-second." + type, "missing a price");
        }
        nonNegative(name, at + ".gpu-second." + type, price);
        if (!type.equals(type.toLowerCase(Locale.ROOT))) {
          throw new PriceFileException(name, at + ".gpu-second." + type, "GPU types are lower case (as in gpu=t4)");
        }
      });
    }
    Duration g = duration(name, at + ".granularity", r.granularity());
    if (g != null && (g.isZero() || g.isNegative())) {
      throw new PriceFileException(name, at + ".granularity", "must be positive, not " + r.granularity());
    }
    Duration min = duration(name, at + ".minimum", r.minimum());
    if (min != null && min.isNegative()) {
      throw new PriceFileException(name, at + ".minimum", "must not be negative, not " + r.minimum());
    }
    date(name, at + ".published", r.published());
    date(name, at + ".checked", r.checked());
    if (complete) {
      required(name, at + ".currency", r.currency());
      required(name, at + ".vcpu-second", r.vcpuSecond());
      required(name, at + ".gib-second", r.gibSecond());
    }
  }

  private static void checkGithub(String name, String at, GithubModel g, boolean complete) {
    if (g.currency() != null) {
      currency(name, at + ".currency", g.currency());
    }
    Duration gran = duration(name, at + ".granularity", g.granularity());
    if (gran != null && (gran.isZero() || gran.isNegative())) {
      throw new PriceFileException(name, at + ".granularity", "must be positive, not " + g.granularity());
    }
    date(name, at + ".published", g.published());
    date(name, at + ".checked", g.checked());
    if (g.runners() != null) {
      for (int i = 0; i < g.runners().size(); i++) {
        RunnerModel r = g.runners().get(i);
        String ra = at + ".runners[" + i + "]";
        if (r == null) {
          throw new PriceFileException(name, ra, "empty");
        }
        required(name, ra + ".sku", r.sku());
        required(name, ra + ".cpu", r.cpu());
        required(name, ra + ".memory-gb", r.memoryGb());
        required(name, ra + ".per-minute", r.perMinute());
        nonNegative(name, ra + ".cpu", r.cpu());
        nonNegative(name, ra + ".memory-gb", r.memoryGb());
        nonNegative(name, ra + ".per-minute", r.perMinute());
        duration(name, ra + ".max-job", r.maxJob());
        if (r.gpuCount() != null && r.gpuCount() < 0) {
          throw new PriceFileException(name, ra + ".gpu-count", "must not be negative, not " + r.gpuCount());
        }
      }
    }
    if (complete) {
      required(name, at + ".currency", g.currency());
      required(name, at + ".source", g.source());
      required(name, at + ".runners", g.runners());
    }
  }

  private static PriceBook build(FileModel m, String name) {
    Map<String, Map<String, PriceTable>> tables = new LinkedHashMap<>();
    Map<String, String> defaults = new LinkedHashMap<>();
    m.tables().forEach((provider, p) -> {
      Map<String, PriceTable> regions = new LinkedHashMap<>();
      p.regions().forEach((region, r) -> regions.put(region, new PriceTable(provider, region,
          p.title() != null ? p.title() : provider, r.currency(), r.vcpuSecond(), r.gibSecond(),
          r.gpuSecond() == null ? Map.of() : r.gpuSecond(), r.request() == null ? BigDecimal.ZERO : r.request(),
          new BillingRule(r.granularity() == null ? Duration.ofSeconds(1) : DurationConverter.parseDuration(r.granularity()),
              r.minimum() == null ? Duration.ZERO : DurationConverter.parseDuration(r.minimum()),
              r.coldStartBilled() == null || r.coldStartBilled()),
          r.source() != null ? r.source() : name, parseDate(r.published()), parseDate(r.checked()), r.notes())));
      tables.put(provider, regions);
      defaults.put(provider, p.defaultRegion() != null ? p.defaultRegion() : regions.keySet().iterator().next());
    });
    GithubModel g = m.githubHosted();
    List<GithubRunnerSize> runners = new ArrayList<>();
    for (RunnerModel r : g.runners()) {
      runners.add(new GithubRunnerSize(r.sku(), r.label() != null ? r.label() : r.sku(), r.cpu(), r.memoryGb(),
          r.gpu() == null ? null : r.gpu().toLowerCase(Locale.ROOT), r.gpuCount() != null ? r.gpuCount() : r.gpu() == null ? 0 : 1,
          r.perMinute(), r.maxJob() == null ? null : DurationConverter.parseDuration(r.maxJob())));
    }
    GithubHostedPrices github = new GithubHostedPrices(g.currency(),
        g.granularity() == null ? Duration.ofMinutes(1) : DurationConverter.parseDuration(g.granularity()), g.source(),
        g.specs(), parseDate(g.published()), parseDate(g.checked()), runners);
    return new PriceBook(tables, defaults, github);
  }

  /**
   * Maps merge key by key, recursively; anything else in {@code over} replaces what {@code base} has. Written out
   * because Jackson's updating reader appends to lists, and a user's runner list must replace the shipped one.
   */
  static JsonNode merge(JsonNode base, JsonNode over) {
    if (!(base instanceof ObjectNode b) || !over.isObject()) {
      return over.deepCopy();
    }
    over.fields().forEachRemaining(e -> {
      JsonNode old = b.get(e.getKey());
      b.set(e.getKey(), old == null ? e.getValue().deepCopy() : merge(old, e.getValue()));
    });
    return b;
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.isEmpty() ? null : sb.toString();
  }

  private static void currency(String name, String at, String code) {
    try {
      if (!code.equals(Currency.getInstance(code).getCurrencyCode())) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new PriceFileException(name, at, "'" + code + "' is not an ISO 4217 currency code such as USD or CNY");
    }
  }

  private static void nonNegative(String name, String at, BigDecimal v) {
    if (v != null && v.signum() < 0) {
      throw new PriceFileException(name, at, "must not be negative, not " + v.toPlainString());
    }
  }

  private static void required(String name, String at, Object v) {
    if (v == null) {
      throw new PriceFileException(name, at, "missing");
    }
  }

  private static Duration duration(String name, String at, String v) {
    if (v == null) {
      return null;
    }
    try {
      return DurationConverter.parseDuration(v.strip());
    } catch (RuntimeException e) {
      throw new PriceFileException(name, at, "'" + v + "' is not a duration such as 1ms, 100ms, 1s or 1m");
    }
  }

  private static void date(String name, String at, String v) {
    if (v != null) {
      try {
        LocalDate.parse(v);
      } catch (DateTimeParseException e) {
        throw new PriceFileException(name, at, "'" + v + "' is not a date such as 2026-01-31");
      }
    }
  }

  private static LocalDate parseDate(String v) {
    return v == null ? null : LocalDate.parse(v);
  }

  // The file as written: every field may be absent in a user's file, which only says what it changes.

  @JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
  record FileModel(Map<String, ProviderModel> tables, GithubModel githubHosted) {
  }

  @JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
  record ProviderModel(String title, String defaultRegion, Map<String, RegionModel> regions) {
  }

  @JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
  record RegionModel(String currency, @JsonProperty("vcpu-second") BigDecimal vcpuSecond, BigDecimal gibSecond,
      Map<String, BigDecimal> gpuSecond, BigDecimal request, String granularity, String minimum,
      Boolean coldStartBilled, String source, String published, String checked, String notes) {
  }

  @JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
  record GithubModel(String currency, String granularity, String source, String specs, String published,
      String checked, List<RunnerModel> runners) {
  }

  @JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
  record RunnerModel(String sku, String label, BigDecimal cpu, BigDecimal memoryGb, String gpu, Integer gpuCount,
      BigDecimal perMinute, String maxJob) {
  }
}
