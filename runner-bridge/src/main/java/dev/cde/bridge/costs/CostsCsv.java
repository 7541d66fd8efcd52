package dev.cde.bridge.costs;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cost summary as CSV (RFC 4180, by Jackson's CSV writer): a header, then one row per group with the grouping's
 * columns, the figures and the currency. Text that a spreadsheet would run as a formula (a job named
 * {@code =HYPERLINK(...)}) is written with a leading apostrophe, as OWASP advises for CSV exports.
 */
final class CostsCsv {
  static final String MEDIA_TYPE = "text/csv; charset=utf-8";
  private static final CsvMapper CSV = new CsvMapper();
  private static final List<String> FIGURES = List.of("sessions", "billed_seconds", "gpu_seconds", "cpu_usd",
      "memory_usd", "gpu_usd", "total_usd", "currency", "sizes", "recommendation");

  private CostsCsv() {
  }

  static String write(CostSummary summary, CostGrouping groupBy) {
    List<String> columns = new ArrayList<>(groupBy.columns());
    columns.addAll(FIGURES);
    CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
    columns.forEach(schema::addColumn);
    StringWriter out = new StringWriter();
    try (SequenceWriter rows = CSV.writer(schema.build()).writeValues(out)) {
      for (CostGroup g : summary.groups()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (String c : groupBy.columns()) {
          row.put(c, text(g.dimension(c)));
        }
        row.put("sessions", g.sessions());
        row.put("billed_seconds", g.billedSeconds());
        row.put("gpu_seconds", g.gpuSeconds());
        row.put("cpu_usd", g.cpuUsd());
        row.put("memory_usd", g.memoryUsd());
        row.put("gpu_usd", g.gpuUsd());
        row.put("total_usd", g.totalUsd());
        row.put("currency", summary.currency());
        row.put("sizes", text(String.join("; ", g.sizes())));
        row.put("recommendation", text(g.recommendation() == null ? null : g.recommendation().summary()));
        rows.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /** Neutralizes what spreadsheets read as the start of a formula. */
  static String text(String value) {
    if (value == null || value.isEmpty()) {
      return value;
    }
    char first = value.charAt(0);
    return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r'
        ? "'" + value : value;
  }
}
