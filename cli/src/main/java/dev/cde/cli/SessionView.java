package dev.cde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Reads a session record from the bridge leniently: fields may sit at the top or under {@code spec},
 * memory may be a size string or a number; anything missing reads as null.
 */
public final class SessionView {
  private final JsonNode rec;

  public SessionView(JsonNode rec) {
    this.rec = rec == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : rec;
  }

  public JsonNode json() {
    return rec;
  }

  public String id() {
    return text("id");
  }

  public String state() {
    return text("state");
  }

  public String template() {
    return text("template");
  }

  public String endReason() {
    return text("endReason");
  }

  public Double cpu() {
    JsonNode n = field("cpu");
    if (n.isNumber()) {
      return n.asDouble();
    }
    if (n.isTextual()) {
      try {
        return Double.parseDouble(n.asText());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /** Memory in bytes, from "2g"-style strings, {@code memoryBytes}, {@code memoryMiB} or a plain number of bytes. */
  public Long memoryBytes() {
    JsonNode n = field("memory");
    if (n.isTextual()) {
      try {
        return Sizes.parseBytes(n.asText());
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    if (n.isNumber()) {
      return n.asLong();
    }
    if (field("memoryBytes").isNumber()) {
      return field("memoryBytes").asLong();
    }
    for (String mib : new String[] {"memoryMb", "memoryMiB", "memoryMB"}) {
      if (field(mib).isNumber()) {
        return field(mib).asLong() << 20;
      }
    }
    return null;
  }

  public String gpu() {
    JsonNode n = field("gpu");
    if (n.isTextual()) {
      return n.asText();
    }
    String gpuType = text("gpuType");
    if (gpuType != null && !gpuType.isBlank()) {
      int count = field("gpuCount").asInt(1);
      return count == 0 ? null : count > 1 ? gpuType + ":" + count : gpuType;
    }
    if (n.isObject()) { // {type, count}
      String type = n.path("type").asText(null);
      int count = n.path("count").asInt(1);
      return type == null ? null : count > 1 ? type + ":" + count : type;
    }
    return null;
  }

  public Instant createdAt() {
    for (String f : new String[] {"createdAt", "startedAt", "created"}) {
      String t = text(f);
      if (t != null) {
        try {
          return Instant.parse(t);
        } catch (DateTimeParseException e) {
          // try the next
        }
      }
    }
    return null;
  }

  /**
   * What it cost, in its price table's currency: {@code cost.total} with {@code cost.currency}; from an older
   * bridge, {@code cost.totalUsd} or {@code costUsd} in USD. Null when the record has no cost.
   */
  public CostLine.Money cost() {
    JsonNode c = rec.path("cost");
    if (c.path("total").isNumber()) {
      String currency = c.path("currency").isTextual() ? c.path("currency").asText() : "USD";
      return new CostLine.Money(c.path("total").decimalValue(), currency);
    }
    if (c.path("totalUsd").isNumber()) {
      return new CostLine.Money(c.path("totalUsd").decimalValue(), "USD");
    }
    return rec.path("costUsd").isNumber() ? new CostLine.Money(rec.path("costUsd").decimalValue(), "USD") : null;
  }

  /** How long it ran: {@code endedAt - startedAt} to the millisecond, else the billed {@code cost.billedSeconds}. */
  public Double seconds() {
    try {
      if (text("startedAt") != null && text("endedAt") != null) {
        return java.time.Duration.between(Instant.parse(text("startedAt")), Instant.parse(text("endedAt"))).toMillis() / 1000.0;
      }
    } catch (DateTimeParseException e) {
      // fall back to the billed seconds
    }
    for (String f : new String[] {"billedSeconds", "seconds"}) {
      JsonNode s = rec.path("cost").path(f);
      if (s.isNumber()) {
        return s.asDouble();
      }
    }
    return rec.path("durationSeconds").isNumber() ? rec.path("durationSeconds").asDouble() : null;
  }

  private String text(String name) {
    JsonNode n = field(name);
    return n.isValueNode() && !n.isNull() ? n.asText() : null;
  }

  private JsonNode field(String name) {
    JsonNode n = rec.path(name);
    return n.isMissingNode() || n.isNull() ? rec.path("spec").path(name) : n;
  }
}
