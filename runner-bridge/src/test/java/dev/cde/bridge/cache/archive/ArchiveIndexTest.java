package dev.cde.bridge.cache.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.store.DefaultZone;
import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.Racers;
import dev.cde.bridge.store.TestDatabase;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The archive cache's index on H2 and on PostgreSQL: the first writer of a key is the only one even when writers
 * race (the unique key decides, not a select-then-insert), restore-key prefixes are matched literally (a {@code %}
 * or {@code _} in a key is not a wildcard) newest first, least-recently-used order and sizes drive eviction, and
 * a session's scope and counters are kept right under concurrent requests.
 */
class ArchiveIndexTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00.000001Z");

  static ArchiveEntry entry(String id, String repo, String ref, String key, long size, Instant created) {
    return new ArchiveEntry(id, repo, ref, key, "v1", id + ".tzst", size, created, created);
  }

  @OnBothDatabases
  void theFirstWriterOfAKeyIsTheOnlyOneEvenWhenWritersRace(TestDatabase database) throws Exception {
    ArchiveIndex index = new ArchiveIndex(database.migrated());
    int won = Racers.winners(8, i -> index.insert(entry("id-" + i, "acme/app", "refs/heads/main", "maven-abc", 100 + i,
        T0.plusSeconds(i))));
    assertThat(won).isEqualTo(1);
    ArchiveEntry stored = index.exact("acme/app", "refs/heads/main", "maven-abc", "v1").orElseThrow();
    assertThat(index.byId(stored.id())).contains(stored);
    assertThat(stored.sizeBytes()).isEqualTo(100 + Integer.parseInt(stored.id().substring(3)));
    // Another version, ref or repository is another key.
    assertThat(index.insert(new ArchiveEntry("other-version", "acme/app", "refs/heads/main", "maven-abc", "v2", "f2",
        1, T0, T0))).isTrue();
    assertThat(index.insert(entry("other-ref", "acme/app", "refs/heads/dev", "maven-abc", 1, T0))).isTrue();
    assertThat(index.insert(entry("other-repo", "acme/lib", "refs/heads/main", "maven-abc", 1, T0))).isTrue();
  }

  @OnBothDatabases
  void aRestoreKeyMatchesItsPrefixLiterallyNewestFirst(TestDatabase database) {
    ArchiveIndex index = new ArchiveIndex(database.migrated());
    String main = "refs/heads/main";
    index.insert(entry("old", "acme/app", main, "npm-linux-1", 1, T0));
    index.insert(entry("new", "acme/app", main, "npm-linux-2", 1, T0.plusSeconds(60)));
    index.insert(entry("wild", "acme/app", main, "npmXlinux-3", 1, T0.plusSeconds(120)));
    index.insert(entry("pct", "acme/app", main, "50%_off!-1", 1, T0.plusSeconds(180)));
    index.insert(entry("pct-near", "acme/app", main, "50xyoff!-2", 1, T0.plusSeconds(240)));

    assertThat(index.newestWithPrefix("acme/app", main, "npm-linux-", "v1").map(ArchiveEntry::id)).contains("new");
    assertThat(index.newestWithPrefix("acme/app", main, "npm_linux", "v1")).isEmpty();
    assertThat(index.newestWithPrefix("acme/app", main, "50%_off!", "v1").map(ArchiveEntry::id)).contains("pct");
    assertThat(index.newestWithPrefix("acme/app", main, "NPM-linux-", "v1")).as("keys are case-sensitive").isEmpty();
    assertThat(index.newestWithPrefix("acme/app", main, "npm-linux-", "v2")).isEmpty();
    assertThat(index.newestWithPrefix("acme/app", "refs/heads/dev", "npm", "v1")).isEmpty();
  }

  @OnBothDatabases
  void leastRecentlyUsedOrderSizesAndAgeDriveEviction(TestDatabase database) {
    ArchiveIndex index = new ArchiveIndex(database.migrated());
    index.insert(entry("a", "acme/app", "refs/heads/main", "k-a", 1000, T0));
    index.insert(entry("b", "acme/app", "refs/heads/main", "k-b", 2000, T0.plusSeconds(1)));
    index.insert(entry("c", "acme/app", "refs/heads/main", "k-c", 4000, T0.plusSeconds(2)));
    index.insert(entry("d", "acme/lib", "refs/heads/main", "k-d", 8_000_000_000L, T0.plusSeconds(3)));
    index.touch("a", T0.plusSeconds(100));

    assertThat(index.leastRecentlyUsed("acme/app")).extracting(ArchiveEntry::id).containsExactly("b", "c", "a");
    assertThat(index.byId("a").map(ArchiveEntry::lastUsedAt)).contains(T0.plusSeconds(100));
    assertThat(index.sizes()).isEqualTo(Map.of("acme/app", 7000L, "acme/lib", 8_000_000_000L));
    assertThat(index.unusedSince(T0.plusSeconds(2))).extracting(ArchiveEntry::id).containsExactlyInAnyOrder("b");
    assertThat(index.knowsFile("c.tzst")).isTrue();

    assertThat(index.delete("c")).isTrue();
    assertThat(index.delete("c")).as("a second eviction of the same entry").isFalse();
    assertThat(index.knowsFile("c.tzst")).isFalse();
    assertThat(index.sizes()).containsEntry("acme/app", 3000L);
  }

  @OnBothDatabases
  void timesReadBackAsTheSameInstantWhateverTheJvmsZone(TestDatabase database) throws Exception {
    ArchiveIndex index = new ArchiveIndex(database.migrated());
    DefaultZone.in("Asia/Kathmandu", () -> index.insert(entry("a", "acme/app", "refs/heads/main", "k", 1, T0)));
    DefaultZone.in("Pacific/Marquesas", () -> {
      index.touch("a", T0.plusSeconds(60));
      return null;
    });
    ArchiveEntry read = DefaultZone.in("UTC", () -> index.byId("a").orElseThrow());
    assertThat(read.createdAt()).isEqualTo(T0);
    assertThat(read.lastUsedAt()).isEqualTo(T0.plusSeconds(60));
    assertThat(DefaultZone.in("America/St_Johns", () -> index.unusedSince(T0.plusSeconds(61)))).hasSize(1);
    assertThat(DefaultZone.in("America/St_Johns", () -> index.unusedSince(T0.plusSeconds(60)))).isEmpty();
  }

  @OnBothDatabases
  void aSessionsScopeIsRecordedOnceAndItsCountersAddUpUnderConcurrentRequests(TestDatabase database)
      throws Exception {
    ArchiveIndex index = new ArchiveIndex(database.migrated());
    CacheScope first = new CacheScope("acme/app", "refs/pull/7/merge", "refs/heads/main");
    assertThat(index.recordScope("s-1", first)).isEqualTo(first);
    assertThat(index.recordScope("s-1", new CacheScope("evil/other", "refs/heads/main", null))).isEqualTo(first);
    assertThat(index.scope("s-1")).contains(first);
    assertThat(index.scope("s-2")).isEqualTo(Optional.empty());

    // The first count of a session inserts its row; racing requests of one job must not lose a count.
    assertThat(Racers.winners(8, i -> {
      index.count("s-1", 1, 0, 1, 10, 100);
      return true;
    })).isEqualTo(8);
    index.count("s-1", 0, 2, 0, 0, 0);
    assertThat(index.stats("s-1")).contains(new CacheStats(8, 2, 8, 80, 800));
    assertThat(index.stats("s-2")).isEmpty();
    assertThat(index.sizes()).as("no archive yet").isEmpty();
  }
}
