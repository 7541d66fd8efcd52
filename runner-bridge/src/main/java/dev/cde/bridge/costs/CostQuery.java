package dev.cde.bridge.costs;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Which ended sessions to add up and how: those that ended in {@code [from, to)}, optionally only those with (or
 * without) a GPU, grouped by {@code groupBy}. A session counts on the instant it ended, when its cost became final,
 * so the figures for a past period never change afterwards.
 *
 * @param gpu null: all sessions; true: only sessions with a GPU; false: only sessions without one
 */
public record CostQuery(Instant from, Instant to, CostGrouping groupBy, Boolean gpu) {
  /** The period when none is given: the last seven days. */
  static final Duration DEFAULT_PERIOD = Duration.ofDays(7);
  /** Keeps a day-by-day answer (one row per day) bounded. */
  static final Duration MAX_PERIOD = Duration.ofDays(3660);

  public CostQuery {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from (" + from + ") must be before to (" + to + ")");
    }
    if (Duration.between(from, to).compareTo(MAX_PERIOD) > 0) {
      throw new IllegalArgumentException("the period from " + from + " to " + to + " is longer than "
          + MAX_PERIOD.toDays() + " days");
    }
  }

  /**
   * The query as an HTTP client spells it; every argument may be null. {@code from} and {@code to} are ISO dates
   * ({@code 2025-01-06}, UTC days: {@code to} includes its whole day) or instants ({@code 2025-01-06T10:00:00Z},
   * an offset allowed; {@code to} excluded).
   *
   * @throws IllegalArgumentException saying which parameter is wrong and what it accepts
   */
  public static CostQuery parse(String from, String to, String groupBy, String gpu, Instant now) {
    Instant end = blank(to) ? now : instant("to", to, true);
    Instant start = blank(from) ? end.minus(DEFAULT_PERIOD) : instant("from", from, false);
    CostGrouping grouping = blank(groupBy) ? CostGrouping.REPOSITORY : CostGrouping.parse(groupBy);
    return new CostQuery(start, end, grouping, blank(gpu) ? null : bool("gpu", gpu));
  }

  private static Instant instant(String name, String text, boolean endOfDay) {
    String t = text.strip();
    try {
      if (t.length() == 10) {
        LocalDate day = LocalDate.parse(t);
        return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " '" + text + "' is neither a date (2025-01-06) nor an instant"
          + " with its offset (2025-01-06T10:00:00Z)");
    }
  }

  private static boolean bool(String name, String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(name + " '" + text + "' is not true or false");
    };
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
