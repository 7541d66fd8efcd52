package dev.cde.bridge.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CostQueryTest {
  static final Instant NOW = Instant.parse("2025-03-12T15:30:00Z");

  @Test
  void defaultsToTheLastSevenDaysByRepository() {
    CostQuery q = CostQuery.parse(null, null, null, null, NOW);
    assertThat(q.to()).isEqualTo(NOW);
    assertThat(q.from()).isEqualTo(NOW.minus(Duration.ofDays(7)));
    assertThat(q.groupBy()).isEqualTo(CostGrouping.REPOSITORY);
    assertThat(q.gpu()).isNull();
  }

  @Test
  void datesAreWholeUtcDaysAndToIncludesItsDay() {
    CostQuery q = CostQuery.parse("2025-03-03", "2025-03-09", "day", "true", NOW);
    assertThat(q.from()).isEqualTo(Instant.parse("2025-03-03T00:00:00Z"));
    assertThat(q.to()).isEqualTo(Instant.parse("2025-03-10T00:00:00Z"));
    assertThat(q.groupBy()).isEqualTo(CostGrouping.DAY);
    assertThat(q.gpu()).isTrue();
  }

  @Test
  void instantsKeepTheirOffsetAndToIsExcluded() {
    CostQuery q = CostQuery.parse("2025-03-03T10:00:00+02:00", "2025-03-04T00:00:00Z", "JOB", "false", NOW);
    assertThat(q.from()).isEqualTo(Instant.parse("2025-03-03T08:00:00Z"));
    assertThat(q.to()).isEqualTo(Instant.parse("2025-03-04T00:00:00Z"));
    assertThat(q.groupBy()).isEqualTo(CostGrouping.JOB);
    assertThat(q.gpu()).isFalse();
  }

  @Test
  void onlyFromGivenRunsToNow() {
    assertThat(CostQuery.parse("2025-03-01", null, "gpu", null, NOW).to()).isEqualTo(NOW);
  }

  @Test
  void badParametersSayWhatIsWrong() {
    assertThatThrownBy(() -> CostQuery.parse("last week", null, null, null, NOW))
        .hasMessageContaining("from 'last week'").hasMessageContaining("2025-01-06");
    assertThatThrownBy(() -> CostQuery.parse(null, "2025-03-04T10:00:00", null, null, NOW))
        .hasMessageContaining("to '2025-03-04T10:00:00'").hasMessageContaining("offset");
    assertThatThrownBy(() -> CostQuery.parse(null, null, "team", null, NOW))
        .hasMessageContaining("groupBy 'team'").hasMessageContaining("repository").hasMessageContaining("labels");
    assertThatThrownBy(() -> CostQuery.parse(null, null, null, "yes", NOW)).hasMessageContaining("gpu 'yes'");
    assertThatThrownBy(() -> CostQuery.parse("2025-03-09", "2025-03-02", null, null, NOW))
        .hasMessageContaining("must be before");
    assertThatThrownBy(() -> CostQuery.parse("1990-01-01", "2025-01-01", null, null, NOW))
        .hasMessageContaining("longer than 3660 days");
  }
}
