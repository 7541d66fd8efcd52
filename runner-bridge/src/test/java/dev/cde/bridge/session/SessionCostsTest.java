package dev.cde.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cost.CostBreakdown;
import dev.cde.bridge.cost.PriceBook;
import dev.cde.bridge.cost.PriceFiles;
import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Billed time from a session's recorded timeline under each provider's rule: a provider that bills the cold start
 * counts from launch, one that does not from the agent's answer; the meter keeps the first job start and the last
 * job end. H2 and PostgreSQL, migrated by the real Flyway scripts.
 */
class SessionCostsTest {
  static final PriceBook BOOK = PriceFiles.load(Optional.empty());

  @OnBothDatabases
  void coldStartBilledOrNotDecidesWhereBillingStarts(TestDatabase database) {
    DataSource db = database.migrated();
    SessionMeters meters = new SessionMeters(db);
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    InstanceSpec spec = new InstanceSpec("default", 4, 16 * 1024, "l4", 1, 3600);
    Session s = Session.pending(SessionIds.next(), spec, t0).starting("x", t0).withInstance("i", "ws://h/tunnel")
        .running(null);
    meters.ready(s.id(), t0.plusMillis(4_250), new SessionMeter.Granted(8.0, 15_900L, "NVIDIA L4", 1));
    Instant end = t0.plusMillis(95_230);

    SessionCosts cloudRun = new SessionCosts(meters, BOOK.table("cloud-run", null).orElseThrow());
    SessionCosts.Billing b = cloudRun.billing(s, meters.find(s.id()), end);
    assertThat(b.basis()).isEqualTo("launch");
    assertThat(b.ran()).isEqualTo(Duration.ofMillis(95_230));
    assertThat(b.billed()).as("rounded up to 100 ms").isEqualTo(Duration.ofMillis(95_300));
    CostBreakdown c = cloudRun.costOf(s, end);
    // 95.3 s x: 4 x 0.000018 = 0.0068616, 16 x 0.000002 = 0.0030496, 0.0001867 = 0.01779251; each part rounded
    // to 6 places (0.006862 + 0.003050 + 0.017793), then summed
    assertThat(c.cpu()).isEqualByComparingTo("0.006862");
    assertThat(c.total()).isEqualByComparingTo("0.027705");
    assertThat(c.billedSeconds()).isEqualTo(new java.math.BigDecimal("95.300"));

    SessionCosts fc = new SessionCosts(meters, BOOK.table("aliyun-fc", null).orElseThrow());
    SessionCosts.Billing f = fc.billing(s, meters.find(s.id()), end);
    assertThat(f.basis()).isEqualTo("ready");
    assertThat(f.billed()).isEqualTo(Duration.ofMillis(90_980));
    CostBreakdown unpriced = fc.costOf(s, end);
    assertThat(unpriced.unpriced()).containsExactly("gpu l4 (no price in aliyun-fc/international)");

    Session ended = s.finished(SessionState.ENDED, end, "done", c);
    assertThat(cloudRun.billing(ended, meters.find(s.id()), end.plusSeconds(600)).to())
        .as("an ended session is billed to its end, not to now").isEqualTo(end);
    Session notLaunched = Session.pending(SessionIds.next(), spec, t0);
    assertThat(cloudRun.costOf(notLaunched, end).total()).isEqualByComparingTo("0");
    Session starting = Session.pending(SessionIds.next(), spec, t0).starting("x", t0);
    assertThat(fc.billing(starting, meters.find(starting.id()), end).billed())
        .as("the agent has not answered: a provider that does not bill the cold start bills nothing yet")
        .isEqualTo(Duration.ZERO);
  }

  @OnBothDatabases
  void theMeterKeepsTheFirstJobStartTheLastJobEndAndWhatTheAgentHad(TestDatabase database) {
    SessionMeters meters = new SessionMeters(database.migrated());
    Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    assertThat(meters.find("s-aaaaaaaaaa")).isEqualTo(SessionMeter.none("s-aaaaaaaaaa"));
    assertThat(meters.jobStarted("s-aaaaaaaaaa", t)).isEqualTo(t);
    assertThat(meters.jobStarted("s-aaaaaaaaaa", t.plusSeconds(5))).as("the first start counts").isEqualTo(t);
    meters.jobEnded("s-aaaaaaaaaa", t.plusSeconds(9));
    meters.jobEnded("s-aaaaaaaaaa", t.plusSeconds(12));
    meters.ready("s-aaaaaaaaaa", t.minusSeconds(3), SessionMeter.Granted.fromHello(CannedAgentConnector.AGENT_INFO));
    SessionMeter m = meters.find("s-aaaaaaaaaa");
    assertThat(m.jobStartedAt()).isEqualTo(t);
    assertThat(m.jobEndedAt()).as("the last end counts").isEqualTo(t.plusSeconds(12));
    assertThat(m.readyAt()).isEqualTo(t.minusSeconds(3));
    assertThat(m.granted()).isEqualTo(new SessionMeter.Granted(2.0, 2048L, null, 0));
  }

  @Test
  void grantedResourcesAreReadFromTheAgentsHello() throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
        {"protocol":1,"role":"agent","cpus":4,"memoryBytes":17179869184,
         "gpus":[{"name":"NVIDIA L4","memoryMiB":23034},{"name":"NVIDIA L4","memoryMiB":23034}]}""");
    assertThat(SessionMeter.Granted.fromHello(json)).isEqualTo(new SessionMeter.Granted(4.0, 16384L, "NVIDIA L4", 2));
    assertThat(SessionMeter.Granted.fromHello(null)).isNull();
    assertThat(SessionMeter.Granted.fromHello(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{}"))).isNull();
  }
}
