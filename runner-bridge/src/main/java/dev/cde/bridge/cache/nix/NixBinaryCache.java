package dev.cde.bridge.cache.nix;

import dev.cde.bridge.cache.CacheRoot;
import dev.cde.bridge.home.BridgeHome;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * A nix binary cache in nix's {@code file://} layout under {@code <cache root>/nix}: {@code nix-cache-info},
 * {@code <hash>.narinfo}, {@code nar/<nar hash>.nar}. Instances read it directly (read-only) as a substituter;
 * only the bridge writes it, signing each narinfo with a key no instance holds.
 *
 * <p>Readers never see a partial entry: each file is written under {@code .tmp/} and renamed into place, and a
 * narinfo only after its NAR and the narinfos of all its references. Entries are immutable: the first writer of
 * a store path wins, later pushes of it are no-ops.
 */
@ApplicationScoped
public class NixBinaryCache {
  private static final Logger LOG = Logger.getLogger(NixBinaryCache.class);

  private final Path dir;
  private final NixSigningKey key;
  private final int priority;
  private final long quotaBytes;
  private final java.time.Duration maxAge;

  @jakarta.inject.Inject
  public NixBinaryCache(CacheRoot root, NixCacheConfig config, BridgeHome home) {
    this(root.dir("nix"), NixSigningKey.loadOrCreate(
        config.keyFile().orElseGet(() -> home.root().resolve("nix-signing-key")), config.keyName()),
        config.priority(), config.quota().asLongValue(), config.maxAge());
  }

  @io.quarkus.scheduler.Scheduled(every = "${cde.cache.nix.sweep-every:10m}", delay = 1,
      delayUnit = java.util.concurrent.TimeUnit.MINUTES,
      concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
  void scheduledEviction() {
    evict(java.time.Instant.now());
  }

  /** Removes the oldest pushes above the quota and those past the age limit, closures kept whole. */
  synchronized NixCacheEviction.Result evict(java.time.Instant now) {
    return NixCacheEviction.run(dir, quotaBytes, maxAge, now);
  }

  /** Without eviction limits. */
  public NixBinaryCache(Path dir, NixSigningKey key, int priority) {
    this(dir, key, priority, Long.MAX_VALUE, java.time.Duration.ofDays(365L * 100));
  }

  public NixBinaryCache(Path dir, NixSigningKey key, int priority, long quotaBytes, java.time.Duration maxAge) {
    this.dir = dir;
    this.key = key;
    this.priority = priority;
    this.quotaBytes = quotaBytes;
    this.maxAge = maxAge;
    try {
      // nix creates nar/, log/ and realisations/ when it opens a file:// cache, and on a read-only NAS a
      // failed mkdir makes it drop the whole substituter without a word: they must exist before any instance looks.
      for (String sub : List.of("nar", "log", "realisations")) {
        Files.createDirectories(dir.resolve(sub));
      }
      Files.createDirectories(tmpDir());
      writeAtomically(dir.resolve("nix-cache-info"),
          "StoreDir: " + NarInfo.STORE_DIR + "\nWantMassQuery: 1\nPriority: " + priority + "\n", true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up the nix binary cache in " + dir, e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** For {@code trusted-public-keys} on instances. */
  public String publicKey() {
    return key.publicKey();
  }

  /** A fresh file on the cache's own file system, so that moving it into place is a rename. */
  public Path newTempFile() throws IOException {
    return Files.createTempFile(tmpDir(), "upload-", ".part");
  }

  public boolean hasNar(String narHashBase32) {
    return Files.isRegularFile(narFile(narHashBase32));
  }

  public boolean hasPath(String hashPart) {
    return Files.isRegularFile(dir.resolve(hashPart + ".narinfo"));
  }

  /**
   * Moves an uploaded NAR into place under the hash the bridge computed while receiving it (never one the client
   * claims), so a NAR's name proves its content.
   */
  public void addNar(Path upload, String narHashBase32) throws IOException {
    Path target = narFile(narHashBase32);
    if (Files.exists(target)) {
      Files.deleteIfExists(upload);
      return;
    }
    readableByAll(upload);
    Files.move(upload, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Temp files are made 0600; instances read the cache as another user. */
  private static void readableByAll(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException notPosix) {
      // nothing to widen
    }
  }

  /** What a push of one narinfo came to. */
  public enum Outcome { PUBLISHED, ALREADY_PRESENT }

  /**
   * Signs and publishes an instance's (unsigned) narinfo. Its NAR must be in the cache already, with the size the
   * narinfo says, and every path it refers to must be too: nix substitutes a path only with its closure.
   */
  public synchronized Outcome publish(NarInfo info, String sessionId) throws IOException {
    if (hasPath(info.hashPart())) {
      return Outcome.ALREADY_PRESENT;
    }
    Path nar = narFile(info.narHashBase32());
    if (!Files.isRegularFile(nar)) {
      throw new IllegalArgumentException("the NAR " + info.url() + " of " + info.storePath() + " was not uploaded");
    }
    if (Files.size(nar) != info.narSize()) {
      throw new IllegalArgumentException("NarSize " + info.narSize() + " of " + info.storePath() + " is not the size "
          + Files.size(nar) + " of its NAR");
    }
    List<String> missing = info.references().stream()
        .filter(r -> !r.equals(info.baseName()) && !hasPath(r.substring(0, 32))).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(info.storePath() + " refers to paths not in the cache (push them first): "
          + String.join(" ", missing));
    }
    NarInfo signed = info.withSigs(List.of(key.sign(info.fingerprint())));
    if (!writeAtomically(dir.resolve(info.hashPart() + ".narinfo"), signed.render(), false)) {
      return Outcome.ALREADY_PRESENT;
    }
    LOG.infof("nix cache: session %s pushed %s (%d bytes)", sessionId, info.storePath(), info.narSize());
    return Outcome.PUBLISHED;
  }

  Path narFile(String narHashBase32) {
    if (!NixBase32.isValid(narHashBase32, 52)) {
      throw new IllegalArgumentException("not a nix base-32 sha256: " + narHashBase32);
    }
    return dir.resolve("nar").resolve(narHashBase32 + ".nar");
  }

  private Path tmpDir() {
    return dir.resolve(".tmp");
  }

  /**
   * Writes through a temp file and a rename. With {@code replace} false, an existing file is kept (first writer
   * wins, also against another bridge replica on the same NAS: a hard link fails if the name exists).
   */
  private boolean writeAtomically(Path target, String content, boolean replace) throws IOException {
    if (!replace && Files.exists(target)) {
      return false;
    }
    Path tmp = Files.createTempFile(tmpDir(), target.getFileName().toString(), ".part");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      readableByAll(tmp);
      if (replace) {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        try {
          Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
          return false;
        }
      }
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
