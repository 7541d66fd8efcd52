package dev.cde.bridge.github.runners;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The identity of a label set. GitHub compares labels case-insensitively and as a set, so
 * {@code [CDE-serverless, cpu=4]} and {@code [cpu=4, cde-serverless]} ask for the same runners.
 */
final class LabelSets {
  private LabelSets() {
  }

  static String key(List<String> labels) {
    TreeSet<String> set = new TreeSet<>();
    for (String l : labels) {
      set.add(l.strip().toLowerCase(Locale.ROOT));
    }
    return String.join("\n", set);
  }
}
