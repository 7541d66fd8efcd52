package dev.cde.bridge.costs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostsCsvTest {
  static CostGroup group(String repo, String workflow, String job, String total) {
    return new CostGroup(repo + " / " + workflow + " / " + job, repo, workflow, job, null, null, null, 2, 120, 0,
        total, "0.000000", "0.000000", total, List.of("cpu=2 mem=4g", "cpu=4 mem=8g"), null);
  }

  @Test
  void quotesWhatNeedsQuotingAndDefusesFormulas() throws Exception {
    CostSummary s = new CostSummary(Instant.EPOCH, Instant.EPOCH.plusSeconds(60), "job", null, "USD",
        group("all", "", "", "0.000300"), List.of(
            group("octo/app", "CI, nightly", "build \"fast\"", "0.000100"),
            group("octo/app", "CI", "=HYPERLINK(\"http://x\")", "0.000200")));
    String csv = CostsCsv.write(s, CostGrouping.JOB);

    assertThat(csv.lines().findFirst().orElseThrow()).isEqualTo("repository,workflow,job,sessions,billed_seconds,"
        + "gpu_seconds,cpu_usd,memory_usd,gpu_usd,total_usd,currency,sizes,recommendation");
    // Read back with a CSV parser: the commas and quotes inside values survived as values.
    try (MappingIterator<Map<String, String>> rows = new CsvMapper().readerFor(Map.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(csv)) {
      List<Map<String, String>> all = rows.readAll();
      assertThat(all).hasSize(2);
      assertThat(all.get(0)).containsEntry("workflow", "CI, nightly").containsEntry("job", "build \"fast\"")
          .containsEntry("total_usd", "0.000100").containsEntry("currency", "USD")
          .containsEntry("sizes", "cpu=2 mem=4g; cpu=4 mem=8g").containsEntry("recommendation", "");
      assertThat(all.get(1).get("job")).isEqualTo("'=HYPERLINK(\"http://x\")");
    }
  }

  @Test
  void everyGroupingHasItsOwnColumns() {
    for (CostGrouping g : CostGrouping.values()) {
      CostSummary s = new CostSummary(Instant.EPOCH, Instant.EPOCH.plusSeconds(60), g.parameter(), null, "USD",
          group("x", "y", "z", "0.000000"), List.of());
      assertThat(CostsCsv.write(s, g)).startsWith(String.join(",", g.columns()) + ",sessions,");
    }
  }
}
