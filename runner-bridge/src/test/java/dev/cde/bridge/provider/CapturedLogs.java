package dev.cde.bridge.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Everything logged while it is open (JBoss Logging writes through java.util.logging outside Quarkus), so that
 * provider tests can check that no secret was ever logged.
 */
public final class CapturedLogs extends Handler implements AutoCloseable {
  private final List<String> lines = new ArrayList<>();
  private final Logger root = Logger.getLogger("");

  public CapturedLogs() {
    root.addHandler(this);
  }

  @Override
  public synchronized void publish(LogRecord r) {
    String msg = r.getMessage();
    if (r.getParameters() != null) {
      for (Object p : r.getParameters()) {
        msg += " " + p;
      }
    }
    lines.add(msg + (r.getThrown() == null ? "" : " " + r.getThrown()));
  }

  public synchronized String text() {
    return String.join("\n", lines);
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    root.removeHandler(this);
  }
}
