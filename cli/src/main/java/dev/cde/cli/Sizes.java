package dev.cde.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The size and duration notations of the sizing options ({@code 4g}, {@code 512m}, {@code t4:2}, {@code 1h30m}). */
public final class Sizes {
  private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt])(?:ib|i|b)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION = Pattern.compile("(?:\\d+[dhms])+");
  private static final Pattern GPU = Pattern.compile("([a-z][a-z0-9-]*)(?::([1-9][0-9]?))?");

  private Sizes() {}

  /** "4g", "4G", "4GiB", "512m", "1.5g" → bytes. */
  public static long parseBytes(String s) {
    Matcher m = MEMORY.matcher(s.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a memory size (examples: 512m, 4g)");
    }
    int shift = switch (Character.toLowerCase(m.group(2).charAt(0))) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      default -> 40;
    };
    double v = Double.parseDouble(m.group(1)) * (1L << shift);
    if (v < 1 << 20) {
      throw new IllegalArgumentException("memory size '" + s + "' is below 1 MiB");
    }
    return (long) v;
  }

  /** The bridge's notation for a memory size: whole gigabytes as "4g", else megabytes as "1536m". */
  public static String memory(String s) {
    long bytes = parseBytes(s);
    return bytes % (1L << 30) == 0 ? (bytes >> 30) + "g" : (bytes >> 20) + "m";
  }

  /** "30m", "1h30m", "90s" (lower case units); returned as given. */
  public static String duration(String s) {
    String d = s.strip().toLowerCase(Locale.ROOT);
    if (!DURATION.matcher(d).matches() || d.chars().filter(Character::isDigit).allMatch(c -> c == '0')) {
      throw new IllegalArgumentException("'" + s + "' is not a duration (examples: 90s, 30m, 1h30m)");
    }
    return d;
  }

  /** "T4" → "t4", "a10:2" → "a10:2". */
  public static String gpu(String s) {
    String g = s.strip().toLowerCase(Locale.ROOT);
    if (!GPU.matcher(g).matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a GPU (examples: t4, t4:2)");
    }
    return g;
  }

  public static double cpu(String s) {
    try {
      double v = Double.parseDouble(s.strip());
      if (v > 0 && v <= 1024) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("'" + s + "' is not a CPU count (examples: 1, 2, 0.5)");
  }
}
