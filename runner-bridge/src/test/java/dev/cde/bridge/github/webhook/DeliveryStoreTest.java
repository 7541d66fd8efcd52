package dev.cde.bridge.github.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.Racers;
import dev.cde.bridge.store.TestDatabase;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * The webhook's de-duplication on H2 and on PostgreSQL: of racing copies of one delivery (GitHub's redelivery,
 * or a repository and an organization hook sending the same job) exactly one is taken, by the primary key.
 */
class DeliveryStoreTest {
  static final Instant NOW = Instant.parse("2026-03-01T10:00:00.000001Z");

  @OnBothDatabases
  void ofRacingCopiesOfADeliveryOrAJobEventExactlyOneIsFirst(TestDatabase database) throws Exception {
    DeliveryStore store = new DeliveryStore(database.migrated(), Clock.fixed(NOW, ZoneOffset.UTC));
    String guid = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
    assertThat(Racers.winners(8, i -> store.firstDelivery(guid))).isEqualTo(1);
    assertThat(store.processed(guid)).isTrue();
    assertThat(store.processed("another-guid")).isFalse();

    assertThat(Racers.winners(8, i -> store.firstJobEvent(42, 1, "queued"))).isEqualTo(1);
    assertThat(store.firstJobEvent(42, 1, "in_progress")).isTrue();
    assertThat(store.firstJobEvent(42, 2, "queued")).as("a re-run").isTrue();
  }

  @OnBothDatabases
  void pruningForgetsWhatIsOlderThanTheCutoffOnly(TestDatabase database) {
    DataSource db = database.migrated();
    Instant cutoff = NOW.minusSeconds(3600);
    new DeliveryStore(db, Clock.fixed(cutoff.minusNanos(1000), ZoneOffset.UTC)).firstDelivery("before");
    new DeliveryStore(db, Clock.fixed(cutoff.minusSeconds(10), ZoneOffset.UTC)).firstJobEvent(1, 1, "queued");
    new DeliveryStore(db, Clock.fixed(cutoff, ZoneOffset.UTC)).firstDelivery("at-cutoff");
    DeliveryStore store = new DeliveryStore(db, Clock.fixed(NOW, ZoneOffset.UTC));

    assertThat(store.pruneOlderThan(cutoff)).isEqualTo(2);
    assertThat(store.processed("before")).isFalse();
    assertThat(store.processed("at-cutoff")).isTrue();
    assertThat(store.firstJobEvent(1, 1, "queued")).as("forgotten, so new again").isTrue();
    assertThat(store.pruneOlderThan(cutoff)).isZero();
  }
}
