package dev.cde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cde sessions}: what runs (and ran) on the bridge. */
@Command(name = "sessions", mixinStandardHelpOptions = true, description = "List sessions.")
final class SessionsCommand extends BridgeCommand implements Callable<Integer> {
  static final String[] HEADER = {"ID", "STATE", "TEMPLATE", "CPU", "MEM", "GPU", "AGE", "COST", "REASON"};

  @Option(names = "--json", description = "Print the bridge's JSON as it is.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    JsonNode list = client(false).listSessions();
    PrintStream out = System.out;
    if (json) {
      out.println(BridgeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list));
    } else {
      out.print(table(sessions(list), Instant.now()));
    }
    out.flush();
    return ExitCodes.OK;
  }

  /** A bare array, or the first array field of an object ({@code sessions}, {@code items}). */
  static List<SessionView> sessions(JsonNode list) {
    JsonNode arr = list;
    if (list.isObject()) {
      arr = list.has("sessions") ? list.get("sessions") : list.has("items") ? list.get("items") : null;
      if (arr == null) {
        for (JsonNode v : list) {
          if (v.isArray()) {
            arr = v;
            break;
          }
        }
      }
    }
    List<SessionView> out = new ArrayList<>();
    if (arr != null && arr.isArray()) {
      arr.forEach(n -> out.add(new SessionView(n)));
    }
    return out;
  }

  static String table(List<SessionView> sessions, Instant now) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (SessionView s : sessions) {
      rows.add(new String[] {
          orDash(s.id()), orDash(s.state()), orDash(s.template()),
          s.cpu() == null ? "-" : CostLine.number(s.cpu()),
          s.memoryBytes() == null ? "-" : CostLine.memory(s.memoryBytes()).replace(" ", ""),
          orDash(s.gpu()),
          s.createdAt() == null ? "-" : age(Duration.between(s.createdAt(), now)),
          s.cost() == null ? "-" : CostLine.money(s.cost()),
          // why it ended (a cost cap, max duration, a failed start): the first thing to ask of an ended session
          orDash(s.endReason())});
    }
    int[] width = new int[HEADER.length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        b.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
      }
      b.append('\n');
    }
    return b.toString();
  }

  static String age(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m";
    }
    if (s < 86400) {
      return (s / 3600) + "h" + ((s % 3600) / 60) + "m";
    }
    return (s / 86400) + "d";
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}
