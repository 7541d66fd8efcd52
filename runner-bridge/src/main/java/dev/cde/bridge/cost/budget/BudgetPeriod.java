package dev.cde.bridge.cost.budget;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** The calendar span a budget counts, in UTC: a day from midnight, a month from its first day's midnight. */
public enum BudgetPeriod {
  DAY, MONTH;

  /** The start of the period that holds {@code t}. */
  public Instant start(Instant t) {
    LocalDate d = LocalDate.ofInstant(t, ZoneOffset.UTC);
    return (this == DAY ? d : d.withDayOfMonth(1)).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** The start of the next period, when a spent budget is whole again. */
  public Instant end(Instant t) {
    LocalDate d = LocalDate.ofInstant(start(t), ZoneOffset.UTC);
    return (this == DAY ? d.plusDays(1) : d.plusMonths(1)).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
