package dev.cde.bridge.cache.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload received into its file and inspected on the way: the file holds every byte fed, the verdict stands
 * for exactly that file, and a sender held back by a full queue is let go on when it drains.
 */
class StreamInspectionTest {
  private final ExecutorService worker = Executors.newCachedThreadPool();

  @TempDir
  Path dir;

  @AfterEach
  void stop() {
    worker.shutdownNow();
  }

  @Test
  void theFileGetsEveryByteAndTheVerdictStandsOnlyForThatFile() throws Exception {
    byte[] archive = archive("ok/a.bin", 20 << 20); // more than the queue holds: the sender is paused and let go
    Path file = dir.resolve("upload.part");
    // The worker starts only once the queue is full, so that the sender is surely held back once.
    CountDownLatch filled = new CountDownLatch(1);
    StreamInspection s = StreamInspection.start(file, true, r -> worker.execute(() -> {
      try {
        filled.await();
      } catch (InterruptedException e) {
        return;
      }
      r.run();
    }));
    AtomicInteger drains = new AtomicInteger();
    s.drainHandler(drains::incrementAndGet);
    for (int off = 0; off < archive.length; off += 65536) {
      while (s.full()) {
        filled.countDown();
        Thread.sleep(1); // what the Vert.x pipe does, paused until the drain handler runs
      }
      s.feed(Buffer.buffer(Arrays.copyOfRange(archive, off, Math.min(archive.length, off + 65536))));
    }
    s.end().get(60, TimeUnit.SECONDS);
    assertThat(Files.readAllBytes(file)).isEqualTo(archive);
    assertThat(s.verdict(archive.length, true)).hasValue(3);
    assertThat(drains.get()).isPositive();
    // Another size (a retry, an append), or another confinement, is not what was inspected: the file decides then.
    assertThat(s.verdict(archive.length + 1, true)).isEmpty();
    assertThat(s.verdict(archive.length, false)).isEmpty();
  }

  @Test
  void aRefusedArchiveIsStillReceivedWholeAndItsVerdictIsTheRefusal() throws Exception {
    byte[] archive = archive("../escape.bin", 3 << 20);
    Path file = dir.resolve("bad.part");
    StreamInspection s = StreamInspection.start(file, true, worker);
    s.feed(Buffer.buffer(Arrays.copyOf(archive, 1 << 21))); // a batch: the worker reads it and refuses
    Thread.sleep(200);
    s.feed(Buffer.buffer(Arrays.copyOfRange(archive, 1 << 21, archive.length))); // the rest comes after
    s.end().get(60, TimeUnit.SECONDS);
    assertThat(Files.size(file)).isEqualTo(archive.length);
    assertThatThrownBy(() -> s.verdict(archive.length, true))
        .isInstanceOf(ArchiveInspector.UnsafeArchiveException.class).hasMessageContaining("../escape.bin");

    byte[] cut = Arrays.copyOf(archive("ok.bin", 1 << 20), 300_000);
    StreamInspection c = feedAll(dir.resolve("cut.part"), cut);
    assertThatThrownBy(() -> c.verdict(cut.length, true)).isInstanceOf(ArchiveInspector.CorruptArchiveException.class);
  }

  @Test
  void aDiscardedUploadVouchesForNothing() throws Exception {
    Path file = dir.resolve("gone.part");
    StreamInspection s = StreamInspection.start(file, true, worker);
    s.feed(Buffer.buffer(Arrays.copyOf(archive("ok.bin", 1 << 20), 4096)));
    s.discard();
    assertThat(s.verdict(4096, true)).isEmpty();
  }

  private StreamInspection feedAll(Path file, byte[] archive) throws Exception {
    StreamInspection s = StreamInspection.start(file, true, worker);
    for (int off = 0; off < archive.length; off += 100_000) {
      s.feed(Buffer.buffer(Arrays.copyOfRange(archive, off, Math.min(archive.length, off + 100_000))));
    }
    s.end().get(60, TimeUnit.SECONDS);
    return s;
  }

  /** A zstd tar of a directory, a file of {@code size} random bytes at {@code name}, and a small file. */
  private static byte[] archive(String name, int size) throws IOException {
    byte[] content = new byte[size];
    new Random(size).nextBytes(content);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes))) {
      tar.putArchiveEntry(new TarArchiveEntry("ok/"));
      tar.closeArchiveEntry();
      for (String n : new String[] {name, "ok/small.txt"}) {
        byte[] c = n.equals(name) ? content : new byte[] {'x'};
        TarArchiveEntry e = new TarArchiveEntry(n, true);
        e.setSize(c.length);
        tar.putArchiveEntry(e);
        tar.write(c);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
