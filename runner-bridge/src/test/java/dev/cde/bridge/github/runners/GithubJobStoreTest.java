package dev.cde.bridge.github.runners;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.store.OnBothDatabases;
import dev.cde.bridge.store.Racers;
import dev.cde.bridge.store.TestDatabase;
import java.time.Instant;
import java.util.List;

/**
 * The GitHub job and runner tables on H2 and on PostgreSQL. What stops a job from getting two runners is SQL: a
 * job attempt is inserted once, a runner name (derived from the job) is taken once, and a status moves only from
 * the status it was seen in, however many deliveries, reconciler passes and bridge replicas race.
 */
class GithubJobStoreTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00.000001Z");
  static final List<String> LABELS = List.of("cde-serverless", "cpu=4", "mem=16g");

  static GithubJob job(long id, String repo, String status, Instant created) {
    return new GithubJob(id, 1, repo, 9000 + id, "build (ü)", LABELS, "cde-serverless,cpu=4,mem=16g", status, null,
        null, null, 0, created, created);
  }

  static GithubRunner runner(String name, long forJob, String state, Instant created) {
    return new GithubRunner(name, "s-" + name, "acme/app", LABELS, "cde-serverless,cpu=4,mem=16g", forJob, 1, null,
        null, state, null, created, created);
  }

  @OnBothDatabases
  void aJobAttemptIsInsertedOnceAndMovesOnceWhenDeliveriesRace(TestDatabase database) throws Exception {
    GithubJobStore store = new GithubJobStore(database.migrated());
    assertThat(Racers.winners(8, i -> store.insertJob(job(42, "acme/app", GithubJob.QUEUED, T0)))).isEqualTo(1);
    assertThat(store.job(42, 1)).contains(job(42, "acme/app", GithubJob.QUEUED, T0));
    assertThat(store.insertJob(new GithubJob(42, 2, "acme/app", 9042, "build", LABELS, "k", GithubJob.QUEUED, null,
        null, null, 0, T0, T0))).as("a re-run is another attempt").isTrue();

    assertThat(Racers.winners(8, i -> store.moveJob(42, 1, GithubJob.IN_PROGRESS, "cde-42-1-" + i, null,
        List.of(GithubJob.QUEUED, GithubJob.WAITING)))).isEqualTo(1);
    GithubJob moved = store.job(42, 1).orElseThrow();
    assertThat(moved.status()).isEqualTo(GithubJob.IN_PROGRESS);
    assertThat(moved.runnerName()).startsWith("cde-42-1-");
    assertThat(moved.updatedAt()).isAfter(T0);

    // null keeps what is known (COALESCE), on both databases
    assertThat(store.moveJob(42, 1, GithubJob.COMPLETED, null, "x".repeat(3000), List.of(GithubJob.IN_PROGRESS)))
        .isTrue();
    GithubJob done = store.job(42, 1).orElseThrow();
    assertThat(done.runnerName()).isEqualTo(moved.runnerName());
    assertThat(done.detail()).hasSize(2000).endsWith("…");
    assertThat(store.moveJob(42, 1, GithubJob.QUEUED, null, null, List.of(GithubJob.IN_PROGRESS))).isFalse();
  }

  @OnBothDatabases
  void aRunnerNameIsTakenOnceSoAJobGetsOneRunnerPerOrdinal(TestDatabase database) throws Exception {
    GithubJobStore store = new GithubJobStore(database.migrated());
    assertThat(Racers.winners(8, i -> store.insertRunner(runner("cde-42-1", 42, GithubRunner.STARTING, T0))))
        .isEqualTo(1);
    assertThat(store.insertRunner(runner("cde-42-1-2", 42, GithubRunner.STARTING, T0.plusSeconds(1)))).isTrue();
    assertThat(store.runnersStartedFor(42, 1)).isEqualTo(2);
    assertThat(store.runnersStartedFor(42, 2)).isZero();

    assertThat(Racers.winners(8, i -> store.moveRunner("cde-42-1", GithubRunner.BUSY, 7L, 42L, null,
        List.of(GithubRunner.STARTING, GithubRunner.IDLE)))).isEqualTo(1);
    GithubRunner busy = store.runner("cde-42-1").orElseThrow();
    assertThat(busy.runnerId()).isEqualTo(7L);
    assertThat(busy.jobId()).isEqualTo(42L);
    assertThat(store.runnerOfSession("s-cde-42-1")).contains(busy);
    assertThat(store.runner("cde-42-1-2").orElseThrow().runnerId()).as("NULL reads back as null").isNull();
    assertThat(store.moveRunner("cde-42-1", GithubRunner.DONE, null, null, "exited", List.of(GithubRunner.BUSY)))
        .isTrue();
    assertThat(store.runner("cde-42-1").orElseThrow().runnerId()).isEqualTo(7L);
  }

  @OnBothDatabases
  void theReconcilersQueriesSelectAndOrderAlike(TestDatabase database) {
    GithubJobStore store = new GithubJobStore(database.migrated());
    store.insertJob(job(1, "acme/app", GithubJob.QUEUED, T0.plusSeconds(2)));
    store.insertJob(job(2, "acme/app", GithubJob.WAITING, T0));
    store.insertJob(job(3, "acme/app", GithubJob.COMPLETED, T0.plusSeconds(3)));
    store.insertJob(job(4, "acme/lib", GithubJob.COMPLETED, T0.plusSeconds(4)));
    store.insertJob(job(5, "acme/old", GithubJob.GIVEN_UP, T0.plusSeconds(5)));
    store.insertRunner(runner("cde-9-1", 9, GithubRunner.IDLE, T0.plusSeconds(1)));
    GithubRunner other = new GithubRunner("cde-8-1", "s-8", "acme/tool", LABELS, "k", 8, 1, null, null,
        GithubRunner.STARTING, null, T0, T0);
    store.insertRunner(other);
    store.insertRunner(runner("cde-7-1", 7, GithubRunner.DONE, T0.plusSeconds(2)));

    assertThat(store.jobs("acme/app", List.of(GithubJob.QUEUED, GithubJob.WAITING))).extracting(GithubJob::jobId)
        .containsExactly(2L, 1L);
    assertThat(store.recentJobs(3)).extracting(GithubJob::jobId).containsExactly(5L, 4L, 3L);
    assertThat(store.recentRunners(2)).extracting(GithubRunner::name).containsExactly("cde-7-1", "cde-9-1");
    assertThat(store.liveRunners()).extracting(GithubRunner::name).containsExactly("cde-8-1", "cde-9-1");
    assertThat(store.liveRunners("acme/app")).extracting(GithubRunner::name).containsExactly("cde-9-1");
    assertThat(store.activeRepositories()).containsExactlyInAnyOrder("acme/app", "acme/tool");

    assertThat(store.launchFailed(1, 1, "no capacity")).isEqualTo(1);
    assertThat(store.launchFailed(1, 1, "no capacity")).isEqualTo(2);
    store.recordBranches(1, 1, "feature/ü", "main");
    store.recordBranches(1, 1, null, null);
    assertThat(store.branches(1, 1)).containsExactly("feature/ü", "main");
    assertThat(store.branches(99, 1)).containsExactly(null, null);
  }
}
