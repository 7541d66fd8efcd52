package dev.cde.bridge.session;

import dev.cde.bridge.problem.InvalidRequestException;
import dev.cde.bridge.provider.InstanceSpec;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns what a client asked for into an instance spec, strictly: a value we cannot read is an error, never a guess. */
public final class SessionSpecParser {
  public static final double MIN_CPU = 0.25;
  public static final double MAX_CPU = 64;
  public static final long MIN_MEMORY_MB = 128;
  public static final long MAX_MEMORY_MB = 256 * 1024;
  public static final long MIN_DURATION_S = 10;
  public static final long MAX_DURATION_S = 24 * 3600;
  public static final int MAX_GPUS = 16;

  private static final Pattern MEMORY = Pattern.compile("(\\d{1,9})(?:(m|mi|mb|mib)|(g|gi|gb|gib))?");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(s|m|h)?");
  private static final Pattern GPU = Pattern.compile("([a-z][a-z0-9-]{0,31})(?::(\\d{1,2}))?");
  // Names are labels clients build from their own ids (gitlab-<host>-<job id>): printable, no spaces, short.
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}");
  private static final Pattern TEMPLATE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,127}");

  private SessionSpecParser() {
  }

  public static InstanceSpec parse(CreateSessionRequest req, SessionConfig defaults) {
    if (req == null) {
      req = CreateSessionRequest.DEFAULTS;
    }
    String template = req.template() == null ? defaults.defaultTemplate() : req.template();
    if (!TEMPLATE.matcher(template).matches()) {
      throw new InvalidRequestException("template '" + template + "' is not a valid template name");
    }
    double cpu = req.cpu() == null ? defaults.defaultCpu() : req.cpu();
    if (!(cpu >= MIN_CPU && cpu <= MAX_CPU)) {
      throw new InvalidRequestException("cpu " + cpu + " is out of range: " + MIN_CPU + " to " + (int) MAX_CPU);
    }
    String memory = req.memory() == null ? defaults.defaultMemory() : req.memory();
    long memoryMb = memoryMb(memory);
    if (memoryMb < MIN_MEMORY_MB || memoryMb > MAX_MEMORY_MB) {
      throw new InvalidRequestException("memory '" + memory + "' is out of range: 128m to 256g");
    }
    String duration = req.maxDuration() == null ? defaults.defaultMaxDuration() : req.maxDuration();
    long seconds = durationSeconds(duration);
    if (seconds < MIN_DURATION_S || seconds > MAX_DURATION_S) {
      throw new InvalidRequestException("maxDuration '" + duration + "' is out of range: 10s to 24h");
    }
    String gpuType = null;
    int gpuCount = 0;
    // "none" is no GPU, as reports and groupBy=gpu spell it (not a GPU type called none)
    if (req.gpu() != null && !req.gpu().isBlank() && !"none".equalsIgnoreCase(req.gpu().strip())) {
      Matcher m = GPU.matcher(req.gpu().strip().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new InvalidRequestException("gpu '" + req.gpu() + "' is not understood; use a type like 't4' or type:count like 't4:2'");
      }
      gpuType = m.group(1);
      gpuCount = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
      if (gpuCount < 1 || gpuCount > MAX_GPUS) {
        throw new InvalidRequestException("gpu count " + gpuCount + " is out of range: 1 to " + MAX_GPUS);
      }
    }
    return new InstanceSpec(template, cpu, memoryMb, gpuType, gpuCount, seconds);
  }

  /** A session name as given (null stays null), or an error saying what a name may hold. */
  public static String name(String text) {
    if (text == null) {
      return null;
    }
    if (!NAME.matcher(text).matches()) {
      throw new InvalidRequestException("name '" + text + "' is not a valid session name: up to 128 letters, digits"
          + " and . _ : @ / -, starting with a letter or digit");
    }
    return text;
  }

  /** {@code 4g}, {@code 512m}, {@code 4096} (MiB); units are binary and case-insensitive. */
  public static long memoryMb(String text) {
    Matcher m = MEMORY.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidRequestException("memory '" + text + "' is not understood; use a whole number with"
          + " an optional unit: '512m', '4g' or '4096' (MiB)");
    }
    long n = Long.parseLong(m.group(1));
    return m.group(3) != null ? n * 1024 : n;
  }

  /** {@code 90s}, {@code 30m}, {@code 2h}, or plain seconds. */
  public static long durationSeconds(String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidRequestException("maxDuration '" + text + "' is not understood; use a whole number"
          + " with an optional unit: '90s', '30m', '2h' or seconds");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "h" -> n * 3600;
      case "m" -> n * 60;
      default -> n;
    };
  }
}
