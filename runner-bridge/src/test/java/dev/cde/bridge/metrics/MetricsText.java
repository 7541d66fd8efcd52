package dev.cde.bridge.metrics;

import static io.restassured.RestAssured.given;

import java.util.Map;

/** {@code /q/metrics} as Prometheus reads it, for tests that check a metric moved. */
public final class MetricsText {
  private MetricsText() {
  }

  public static String scrape() {
    return given().get("/q/metrics").then().statusCode(200).extract().asString();
  }

  /** The sample of {@code name} whose labels include {@code labels}; 0 when there is none yet. */
  public static double value(String text, String name, Map<String, String> labels) {
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      int end = line.lastIndexOf(' ');
      String series = line.substring(0, end);
      if (labels.entrySet().stream().allMatch(e -> series.contains(e.getKey() + "=\"" + e.getValue() + "\""))) {
        return Double.parseDouble(line.substring(end + 1));
      }
    }
    return 0;
  }

  /** The sample now, read afresh. */
  public static double value(String name, Map<String, String> labels) {
    return value(scrape(), name, labels);
  }
}
