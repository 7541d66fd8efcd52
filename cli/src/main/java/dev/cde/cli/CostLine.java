package dev.cde.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The one line printed when a session ends: {@code cde: s-abc ended: exit code 7 · 2.4 s · 1 vCPU · 2 GiB · $0.000058}. */
public final class CostLine {
  private CostLine() {}

  /** {@code how}: what ended it ("exit code 7", "killed by signal KILL", "stopped"). */
  public static String format(SessionView ended, String fallbackId, String how) {
    String id = ended.id() != null ? ended.id() : fallbackId;
    return line("cde: " + id + " ended: " + how, ended);
  }

  /**
   * The same figures for a session that still runs, from its record with {@code cost} set to the bridge's
   * cost so far: {@code cde: s-abc so far: 42.0 s · 1 vCPU · 2 GiB · $0.000058}.
   */
  public static String soFar(SessionView running, String fallbackId) {
    String id = running.id() != null ? running.id() : fallbackId;
    return line("cde: " + id + " so far", running);
  }

  private static String line(String head, SessionView ended) {
    List<String> parts = new ArrayList<>();
    parts.add(head);
    if (ended.seconds() != null) {
      parts.add(duration(ended.seconds()));
    }
    if (ended.cpu() != null) {
      parts.add(number(ended.cpu()) + " vCPU");
    }
    if (ended.memoryBytes() != null) {
      parts.add(memory(ended.memoryBytes()));
    }
    if (ended.gpu() != null) {
      parts.add("GPU " + ended.gpu());
    }
    parts.add(ended.cost() != null ? money(ended.cost()) : "cost unknown");
    return String.join(" · ", parts);
  }

  static String duration(double seconds) {
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
  }

  static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  static String memory(long bytes) {
    if (bytes >= 1L << 30) {
      return number(Math.round(bytes * 10.0 / (1L << 30)) / 10.0) + " GiB";
    }
    return (bytes >> 20) + " MiB";
  }

  /** An amount in a currency (ISO 4217 code), as the bridge reports a cost. */
  public record Money(BigDecimal amount, String currency) {
  }

  /** USD as {@code $0.000058}; any other currency as {@code 0.000058 CNY}, never with a dollar sign. */
  static String money(Money m) {
    String n = m.amount().setScale(6, RoundingMode.HALF_UP).toPlainString();
    return "USD".equals(m.currency()) ? "$" + n : n + " " + m.currency();
  }
}
