package dev.cde.bridge.cache.nix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Keeps the nix cache under its quota and age limit without ever breaking a closure: nix substitutes a path only
 * with everything it refers to, so removing a path removes every path that refers to it (directly or not) too.
 * Age is the time since the path was pushed (instances read the NAS directly; the bridge never sees a
 * substitution), so the oldest pushes go first; a path still in use is simply built and pushed again.
 *
 * <p>Narinfos go before their NARs, so a reader never finds a narinfo whose NAR is gone; one that read the
 * narinfo just before may fail its download, and nix then builds the path ({@code fallback = true} in the
 * function image's nix.conf). NARs no narinfo names (an upload whose narinfo never came) and temp files are
 * removed once older than {@link #ORPHAN_GRACE}.
 */
final class NixCacheEviction {
  private static final Logger LOG = Logger.getLogger(NixCacheEviction.class);
  /** Longer than any push takes between its NAR and its narinfo. */
  static final Duration ORPHAN_GRACE = Duration.ofHours(6);

  private NixCacheEviction() {
  }

  record Result(int pathsRemoved, long bytesFreed, long bytesKept) {
  }

  private record Entry(String hashPart, NarInfo info, Path file, Instant pushed, long narBytes) {
  }

  /** Must run under the cache's publish lock: a publish checks that references exist. */
  static Result run(Path dir, long quotaBytes, Duration maxAge, Instant now) {
    Map<String, Entry> entries = read(dir);
    Map<String, Set<String>> referrers = new HashMap<>();
    for (Entry e : entries.values()) {
      for (String ref : e.info().references()) {
        String refHash = ref.substring(0, 32);
        if (!refHash.equals(e.hashPart())) {
          referrers.computeIfAbsent(refHash, k -> new HashSet<>()).add(e.hashPart());
        }
      }
    }
    long total = entries.values().stream().mapToLong(Entry::narBytes).sum();
    List<Entry> oldestFirst = new ArrayList<>(entries.values());
    oldestFirst.sort(Comparator.comparing(Entry::pushed).thenComparing(Entry::hashPart));
    Set<String> removed = new LinkedHashSet<>();
    long freed = 0;
    for (Entry oldest : oldestFirst) {
      boolean tooOld = oldest.pushed().isBefore(now.minus(maxAge));
      if (removed.contains(oldest.hashPart()) || (total - freed <= quotaBytes && !tooOld)) {
        continue;
      }
      for (String h : withReferrers(oldest.hashPart(), referrers)) {
        if (removed.add(h)) {
          Entry e = entries.get(h);
          delete(e.file());
          freed += e.narBytes();
        }
      }
    }
    // NARs last, and only those no remaining narinfo names.
    Set<String> narsInUse = new HashSet<>();
    entries.values().stream().filter(e -> !removed.contains(e.hashPart()))
        .forEach(e -> narsInUse.add(e.info().narHashBase32() + ".nar"));
    for (String h : removed) {
      String nar = entries.get(h).info().narHashBase32() + ".nar";
      if (!narsInUse.contains(nar)) {
        delete(dir.resolve("nar").resolve(nar));
      }
    }
    sweepOrphans(dir.resolve("nar"), narsInUse, now);
    sweepOrphans(dir.resolve(".tmp"), Set.of(), now);
    if (!removed.isEmpty()) {
      LOG.infof("nix cache: evicted %d paths (%d bytes of NARs); %d bytes kept (quota %d, max age %s)",
          removed.size(), freed, total - freed, quotaBytes, maxAge);
    }
    return new Result(removed.size(), freed, total - freed);
  }

  private static Set<String> withReferrers(String start, Map<String, Set<String>> referrers) {
    Set<String> out = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(start));
    while (!todo.isEmpty()) {
      String h = todo.pop();
      if (out.add(h)) {
        todo.addAll(referrers.getOrDefault(h, Set.of()));
      }
    }
    return out;
  }

  private static Map<String, Entry> read(Path dir) {
    Map<String, Entry> out = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.narinfo")) {
      for (Path f : files) {
        try {
          NarInfo info = NarInfo.parse(Files.readString(f, StandardCharsets.UTF_8));
          Path nar = dir.resolve("nar").resolve(info.narHashBase32() + ".nar");
          long bytes = Files.isRegularFile(nar) ? Files.size(nar) : 0;
          out.put(info.hashPart(), new Entry(info.hashPart(), info, f, Files.getLastModifiedTime(f).toInstant(), bytes));
        } catch (IOException | IllegalArgumentException e) {
          // Only the bridge writes here; a file it cannot read is left for an operator, not guessed at.
          LOG.warnf("nix cache: eviction skips %s: %s", f.getFileName(), e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the nix cache " + dir, e);
    }
    return out;
  }

  private static void sweepOrphans(Path dir, Set<String> keep, Instant now) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (!keep.contains(f.getFileName().toString()) && Files.isRegularFile(f)
            && Files.getLastModifiedTime(f).toInstant().isBefore(now.minus(ORPHAN_GRACE))) {
          delete(f);
        }
      }
    } catch (IOException e) {
      LOG.warnf("nix cache: cannot sweep %s: %s", dir, e.getMessage());
    }
  }

  private static void delete(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      LOG.warnf("nix cache: cannot delete %s: %s", f, e.getMessage());
    }
  }
}
