package dev.cde.bridge.github.labels;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a job's {@code runs-on} labels into a {@link JobSpec}. Strict on purpose: a label we cannot read is
 * an error with a message for the workflow's author, never a guess — a guessed size either wastes money or
 * leaves the job queued forever. Labels are compared case-insensitively, as GitHub compares them.
 *
 * <p>Two forms, which may be mixed: the list form {@code [cde-serverless, cpu=4, mem=16g]} and the one-label
 * form {@code cde-serverless/cpu=4/mem=16g}. See docs/github.md, "Labels".
 */
public final class LabelSpecParser {
  public static final String BASE = "cde-serverless";
  /** GitHub adds it to every self-hosted runner; workflows often name it, and it says nothing about size. */
  public static final String SELF_HOSTED = "self-hosted";
  public static final Set<String> GPU_TYPES = Set.of("t4", "a10", "l4", "a100", "h100", "ada");
  public static final List<String> KEYS = List.of("cpu", "mem", "gpu", "template", "timeout", "cde-run");

  private static final Pattern CPU = Pattern.compile("\\d{1,2}(\\.\\d{1,2})?");
  private static final Pattern MEMORY = Pattern.compile("(\\d{1,6})(m|mi|g|gi)");
  private static final Pattern GPU = Pattern.compile("([a-z0-9]+)(?::(\\d{1,2}))?");
  private static final Pattern TEMPLATE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  private static final Pattern TIMEOUT = Pattern.compile("(\\d{1,5})(s|m|h)");
  private static final Pattern RUN_ID = Pattern.compile("\\d{1,20}");

  private static final Map<String, String> ALLOWED = Map.of(
      "cpu", "cpu is a number of vCPUs from 0.25 to 64, e.g. cpu=4 or cpu=0.5",
      "mem", "mem is a whole number with a unit m, mi, g or gi, from 128m to 256g, e.g. mem=16g or mem=512m",
      "gpu", "gpu is one of " + String.join(", ", List.of("t4", "a10", "l4", "a100", "h100", "ada"))
          + ", optionally with a count from 1 to 8, e.g. gpu=t4 or gpu=a100:2",
      "template", "template is a name of 1 to 63 characters: lower-case letters, digits, '.', '_' or '-',"
          + " starting with a letter or digit, e.g. template=pytorch",
      "timeout", "timeout is a whole number with a unit s, m or h, from 10s to 24h, e.g. timeout=30m",
      "cde-run", "cde-run is the workflow run's id, e.g. cde-run=${{ github.run_id }}");

  private LabelSpecParser() {
  }

  /** Whether the job asks for cde at all: {@code cde-serverless} alone or as the one-label form's prefix. */
  public static boolean wantsCde(List<String> labels) {
    if (labels == null) {
      return false;
    }
    for (String label : labels) {
      String l = normalize(label);
      if (l.equals(BASE) || l.startsWith(BASE + "/")) {
        return true;
      }
    }
    return false;
  }

  public static JobSpec parse(List<String> labels) {
    return parse(labels, JobSpec.DEFAULTS);
  }

  /** Parses with {@code defaults} for every key the labels leave out (the bridge's configured defaults). */
  public static JobSpec parse(List<String> labels, JobSpec defaults) {
    if (!wantsCde(labels)) {
      throw new LabelException("the job's labels " + labels + " do not ask for cde: add the label '" + BASE + "'");
    }
    // key -> the label it came from, so an error can quote exactly what the user wrote.
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> origin = new LinkedHashMap<>();
    for (String label : labels) {
      String l = normalize(label);
      if (l.equals(BASE) || l.equals(SELF_HOSTED)) {
        continue;
      }
      List<String> pairs = new ArrayList<>();
      if (l.startsWith(BASE + "/")) {
        for (String part : l.substring(BASE.length() + 1).split("/", -1)) {
          if (part.isEmpty()) {
            throw new LabelException("label '" + label + "' has an empty part between '/': write it as "
                + BASE + "/key=value/key=value, e.g. " + BASE + "/cpu=4/mem=16g");
          }
          pairs.add(part);
        }
      } else {
        pairs.add(l);
      }
      for (String pair : pairs) {
        int eq = pair.indexOf('=');
        if (eq < 0) {
          throw new LabelException("label '" + label + "' is not understood: a cde job's labels are '" + BASE
              + "', '" + SELF_HOSTED + "' and key=value labels with the keys " + String.join(", ", KEYS));
        }
        String key = pair.substring(0, eq);
        String value = pair.substring(eq + 1);
        if (!KEYS.contains(key)) {
          throw new LabelException("label '" + label + "' has the unknown key '" + key + "': the keys are "
              + String.join(", ", KEYS));
        }
        if (values.containsKey(key)) {
          throw new LabelException("label '" + label + "' sets " + key + " again (already set by '" + origin.get(key)
              + "'): give each key once");
        }
        values.put(key, value);
        origin.put(key, label);
      }
    }

    double cpu = defaults.cpu();
    long memoryMb = defaults.memoryMb();
    String gpuType = defaults.gpuType();
    int gpuCount = defaults.gpuCount();
    String template = defaults.template();
    Duration timeout = defaults.timeout();
    String runId = defaults.runId();
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      String label = origin.get(key);
      switch (key) {
        case "cpu" -> cpu = cpu(value, label);
        case "mem" -> memoryMb = memoryMb(value, label);
        case "gpu" -> {
          Matcher m = GPU.matcher(value);
          if (!m.matches() || !GPU_TYPES.contains(m.group(1))) {
            throw invalid(label, key);
          }
          gpuType = m.group(1);
          gpuCount = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
          if (gpuCount < 1 || gpuCount > 8) {
            throw invalid(label, key);
          }
        }
        case "template" -> {
          if (!TEMPLATE.matcher(value).matches()) {
            throw invalid(label, key);
          }
          template = value;
        }
        case "timeout" -> timeout = timeout(value, label);
        case "cde-run" -> {
          if (!RUN_ID.matcher(value).matches()) {
            throw invalid(label, key);
          }
          runId = value;
        }
        default -> throw new IllegalStateException("key " + key + " is in KEYS but not parsed");
      }
    }
    return new JobSpec(cpu, memoryMb, gpuType, gpuCount, template, timeout, runId);
  }

  private static double cpu(String value, String label) {
    if (!CPU.matcher(value).matches()) {
      throw invalid(label, "cpu");
    }
    double cpu = Double.parseDouble(value);
    if (cpu < 0.25 || cpu > 64) {
      throw invalid(label, "cpu");
    }
    return cpu;
  }

  private static long memoryMb(String value, String label) {
    Matcher m = MEMORY.matcher(value);
    if (!m.matches()) {
      throw invalid(label, "mem");
    }
    // m and g are binary here, like Kubernetes' Mi and Gi: what users mean when they size a machine.
    long mb = Long.parseLong(m.group(1)) * (m.group(2).startsWith("g") ? 1024 : 1);
    if (mb < 128 || mb > 256 * 1024) {
      throw invalid(label, "mem");
    }
    return mb;
  }

  private static Duration timeout(String value, String label) {
    Matcher m = TIMEOUT.matcher(value);
    if (!m.matches()) {
      throw invalid(label, "timeout");
    }
    long n = Long.parseLong(m.group(1));
    long seconds = switch (m.group(2)) {
      case "h" -> n * 3600;
      case "m" -> n * 60;
      default -> n;
    };
    if (seconds < 10 || seconds > 24 * 3600) {
      throw invalid(label, "timeout");
    }
    return Duration.ofSeconds(seconds);
  }

  private static LabelException invalid(String label, String key) {
    return new LabelException("label '" + label + "' is not valid: " + ALLOWED.get(key));
  }

  private static String normalize(String label) {
    return label == null ? "" : label.strip().toLowerCase(Locale.ROOT);
  }
}
