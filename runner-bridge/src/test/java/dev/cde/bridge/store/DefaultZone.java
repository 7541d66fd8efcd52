package dev.cde.bridge.store;

import java.util.TimeZone;
import java.util.concurrent.Callable;

/**
 * Runs code with another JVM default time zone: JDBC drivers turn a {@code java.sql.Timestamp} into the database's
 * value through it (PostgreSQL's driver also sends it as the session's TimeZone), so a store that reads back a
 * different instant after a bridge restart in another zone is caught here rather than in production.
 */
public final class DefaultZone {
  private DefaultZone() {
  }

  public static <T> T in(String zone, Callable<T> code) throws Exception {
    TimeZone before = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone(zone));
    try {
      return code.call();
    } finally {
      TimeZone.setDefault(before);
    }
  }
}
