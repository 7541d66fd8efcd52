package dev.cde.cli.cache;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The archive of {@code cde cache}: a zstd-compressed tar whose entries are named {@code <n>/<path inside>},
 * {@code n} being the position of the {@code --path} it came from. Names are relative by construction, so the
 * bridge can confine them (no absolute name, no {@code ..}), and a path outside the workspace ({@code ~/.m2})
 * needs no {@code ../..} as {@code @actions/cache} writes it; the same {@code --path} list (part of the
 * version) maps each {@code n} back on restore. Both directions stream: nothing holds the archive.
 */
public final class CacheArchive {
  private static final int BUFFER = 1 << 16;

  private CacheArchive() {}

  /** The archive's content refused on restore: it would write or link outside the cached paths. */
  public static final class UnsafeEntryException extends IOException {
    UnsafeEntryException(String message) {
      super(message);
    }
  }

  /**
   * Writes the paths (those that exist) as a zstd tar to {@code out}; returns how many files went in. Symbolic
   * links that lead outside their path are left out (with a warning): the bridge would refuse the archive.
   */
  public static long write(List<Path> paths, OutputStream out, Consumer<String> warn) throws IOException {
    ZstdOutputStream z = new ZstdOutputStream(new BufferedOutputStream(out, BUFFER), 3);
    // zstd's own worker threads, as `zstd -T0` uses them: compression is what save spends its time on.
    z.setWorkers(Runtime.getRuntime().availableProcessors());
    long[] files = {0};
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(z, BUFFER))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      for (int i = 0; i < paths.size(); i++) {
        Path root = paths.get(i);
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        String prefix = Integer.toString(i);
        // The root itself is followed when it is a link (~/.m2 on another disk), what is under it is not.
        Path real = root.toRealPath();
        Files.walkFileTree(real, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name(prefix, real, dir) + "/");
            meta(e, dir, a);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
            String name = name(prefix, real, file);
            if (a.isSymbolicLink()) {
              String target = Files.readSymbolicLink(file).toString();
              if (!linkConfined(real.relativize(file), target)) {
                warn.accept("left out " + file + ": its link to " + target + " leads outside " + root);
                return FileVisitResult.CONTINUE;
              }
              TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
              e.setLinkName(target);
              e.setModTime(a.lastModifiedTime());
              tar.putArchiveEntry(e);
              tar.closeArchiveEntry();
            } else if (a.isRegularFile()) {
              TarArchiveEntry e = new TarArchiveEntry(name);
              meta(e, file, a);
              e.setSize(a.size());
              tar.putArchiveEntry(e);
              try (InputStream in = Files.newInputStream(file)) {
                in.transferTo(tar);
              }
              tar.closeArchiveEntry();
              files[0]++;
            } // sockets, fifos, devices: nothing a cache needs
            return FileVisitResult.CONTINUE;
          }
        });
      }
      tar.finish();
    }
    return files[0];
  }

  private static String name(String prefix, Path root, Path p) {
    String rel = root.relativize(p).toString().replace('\\', '/');
    return rel.isEmpty() ? prefix : prefix + "/" + rel;
  }

  private static void meta(TarArchiveEntry e, Path p, BasicFileAttributes a) {
    e.setModTime(a.lastModifiedTime());
    try {
      Set<PosixFilePermission> perms = a instanceof PosixFileAttributes posix ? posix.permissions()
          : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      e.setMode((e.isDirectory() ? 040000 : 0100000) | mode(perms));
    } catch (IOException | UnsupportedOperationException ex) {
      // no POSIX permissions here: the tar default (0644/0755) it is
    }
  }

  /**
   * Extracts into the paths; returns the number of files written. Refused before anything is written outside:
   * an entry whose name is not {@code <n>/<relative path>} within a known path, a file written through a link
   * that leads outside its path, a link whose target leads outside. Links are made after every file (GNU tar
   * also delays them), so no file is ever written through a link the archive itself made.
   */
  public static long extract(InputStream raw, List<Path> paths) throws IOException {
    List<Path> roots = new ArrayList<>();
    for (Path p : paths) {
      roots.add(p.toAbsolutePath().normalize());
    }
    List<String[]> links = new ArrayList<>();
    // Directories made and checked once each: a Maven repository has ~5 files per directory, and checking a
    // directory's real path costs a stat per component.
    java.util.Set<Path> checked = new java.util.HashSet<>();
    List<Object[]> dirTimes = new ArrayList<>();
    long files = 0;
    byte[] buf = new byte[BUFFER];
    ZstdInputStream z = new ZstdInputStream(new BufferedInputStream(raw, BUFFER));
    z.setLongMax(31);
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(z, BUFFER));
        ParallelWriter writers = new ParallelWriter()) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName();
        // A tar name may hold a NUL (a PAX or GNU long name); no file can, and Path would throw an unchecked
        // InvalidPathException (found by CacheArchiveFuzzTest).
        if (name.indexOf('\0') >= 0 || (e.isSymbolicLink() && e.getLinkName().indexOf('\0') >= 0)) {
          throw new UnsafeEntryException("entry " + name.replace("\0", "\\0") + " has a NUL character in its name"
              + (e.isSymbolicLink() ? " or link" : ""));
        }
        int slash = name.indexOf('/');
        String index = slash < 0 ? name : name.substring(0, slash);
        String rest = slash < 0 ? "" : name.substring(slash + 1);
        if (!index.matches("\\d{1,4}") || Integer.parseInt(index) >= roots.size()) {
          throw new UnsafeEntryException("entry " + name + " names no --path of this restore");
        }
        if (!confined(rest)) {
          throw new UnsafeEntryException("entry " + name + " points outside its path");
        }
        Path root = roots.get(Integer.parseInt(index));
        Path target = rest.isEmpty() ? root : root.resolve(rest).normalize();
        if (e.isSymbolicLink()) {
          if (!linkConfined(Path.of(rest.isEmpty() ? "." : rest), e.getLinkName())) {
            throw new UnsafeEntryException("symbolic link " + name + " -> " + e.getLinkName()
                + " points outside its path");
          }
          links.add(new String[] {index, target.toString(), e.getLinkName()});
          continue;
        }
        if (!e.isDirectory() && !e.isFile()) {
          throw new UnsafeEntryException("entry " + name + " is neither a file, a directory nor a symbolic link");
        }
        Path parent = e.isDirectory() ? target : target.getParent();
        if (checked.add(parent)) {
          Files.createDirectories(parent);
          if (!rest.isEmpty()) {
            // A --path that is a single file lands in the directory the user named; anything below a path must
            // stay below it.
            checkInside(root, parent, name);
          }
        }
        if (e.isDirectory()) {
          dirTimes.add(new Object[] {target, e.getLastModifiedTime(), e.getMode()});
          continue;
        }
        int mode = (e.getMode() & 07777) == 0644 ? 0 : e.getMode();
        FileTime mtime = e.getLastModifiedTime();
        if (e.getSize() <= SMALL_FILE) {
          // Small files (nearly all of a dependency cache) are written by a few threads while this one reads on:
          // per file it is open, write, close and a time stamp, which one thread would do one after the other.
          byte[] content = tar.readNBytes((int) e.getSize());
          writers.submit(target, content, mode, mtime);
        } else {
          writers.awaitPath(target);
          writeFile(target, tar, buf, mode, mtime);
        }
        files++;
      }
    }
    // Every file is written (the writers were closed, which waits for them) before any link is made.
    for (String[] l : links) {
      Path root = roots.get(Integer.parseInt(l[0]));
      Path at = Path.of(l[1]);
      Files.createDirectories(at.getParent());
      checkInside(root, at.getParent(), at.toString());
      // Checked again against the real directory the link lands in, which earlier links may have moved.
      Path resolved = at.getParent().toRealPath().resolve(l[2]).normalize();
      if (!resolved.startsWith(root.toRealPath())) {
        throw new UnsafeEntryException("symbolic link " + at + " -> " + l[2] + " points outside its path");
      }
      Files.deleteIfExists(at);
      Files.createSymbolicLink(at, Path.of(l[2]));
    }
    // Directories last: writing their files changed their times.
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      Object[] d = dirTimes.get(i);
      restoreMeta((Path) d[0], (Integer) d[2], (FileTime) d[1]);
    }
    return files;
  }

  /** Larger files are streamed by the reading thread itself, so at most this much per file sits in memory. */
  private static final int SMALL_FILE = 1 << 20;
  private static final ThreadLocal<byte[]> COPY_BUFFER = ThreadLocal.withInitial(() -> new byte[BUFFER]);

  /** Writes one file, replacing (never writing through) a link already at its place. */
  private static void writeFile(Path target, InputStream content, byte[] buf, int mode, FileTime mtime)
      throws IOException {
    OutputStream out;
    try {
      out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.FileSystemException ex) {
      if (!Files.isSymbolicLink(target)) {
        throw ex;
      }
      Files.delete(target); // a link already there is replaced, never written through (O_NOFOLLOW said ELOOP)
      out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
    }
    try (OutputStream o = out) {
      int n;
      while ((n = content.read(buf)) > 0) {
        o.write(buf, 0, n);
      }
    }
    // 0644 is what a new file gets under the usual umask: no chmod then (tar run by a user applies the umask
    // too), one syscall less for nearly every file of a dependency cache.
    restoreMeta(target, mode, mtime);
  }

  /**
   * Writes small files on a few threads, with at most {@link #IN_FLIGHT} bytes waiting; the first failure is
   * rethrown to the reading thread. A path seen again waits for its earlier write (a tar may hold a name twice;
   * the last one wins, as with tar).
   */
  private static final class ParallelWriter implements AutoCloseable {
    private static final int IN_FLIGHT = 64 << 20;
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors())), r -> {
          Thread t = new Thread(r, "cde-cache-writer");
          t.setDaemon(true);
          return t;
        });
    private final java.util.concurrent.Semaphore budget = new java.util.concurrent.Semaphore(IN_FLIGHT);
    private final java.util.Map<Path, java.util.concurrent.Future<?>> pending =
        new java.util.concurrent.ConcurrentHashMap<>();
    private volatile IOException failed;
    /**
     * Whether {@link #failed} reached the reading thread already: close() must not throw the same exception again,
     * or try-with-resources adds it to itself as suppressed, which throws IllegalArgumentException instead (found by
     * CacheArchiveFuzzTest: a file entry where a directory is, and so a full disk, ended restore with that).
     */
    private boolean reported;

    void submit(Path target, byte[] content, int mode, FileTime mtime) throws IOException {
      check();
      awaitPath(target);
      int cost = Math.max(content.length, 1);
      budget.acquireUninterruptibly(cost);
      pending.put(target, pool.submit(() -> {
        try {
          writeFile(target, new java.io.ByteArrayInputStream(content), COPY_BUFFER.get(), mode, mtime);
        } catch (IOException ex) {
          failed = ex;
        } finally {
          budget.release(cost);
          pending.remove(target);
        }
      }));
    }

    void awaitPath(Path target) throws IOException {
      java.util.concurrent.Future<?> f = pending.get(target);
      if (f != null) {
        try {
          f.get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException ex) {
          throw new IOException("writing " + target + " failed: " + ex, ex);
        }
      }
      check();
    }

    private void check() throws IOException {
      if (failed != null && !reported) {
        reported = true;
        throw failed;
      }
    }

    @Override
    public void close() throws IOException {
      pool.shutdown();
      try {
        if (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.HOURS)) {
          throw new IOException("writing the restored files did not finish");
        }
      } catch (InterruptedException ex) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while writing the restored files", ex);
      }
      check();
    }
  }

  /** A file is written only where the real directory is inside the real root (a link already there counts). */
  private static void checkInside(Path root, Path dir, String name) throws IOException {
    Path realRoot = Files.exists(root) ? root.toRealPath() : root;
    if (!dir.toRealPath().startsWith(realRoot)) {
      throw new UnsafeEntryException("entry " + name + " would be written through a link leading outside " + root);
    }
  }

  private static void restoreMeta(Path p, int mode, FileTime mtime) {
    try {
      if (mode != 0) {
        Files.setPosixFilePermissions(p, permissions(mode));
      }
      if (mtime != null) {
        Files.setLastModifiedTime(p, mtime);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // permissions and times are a courtesy to build tools; the content is what the cache is for
    }
  }

  /** Relative, never climbing above its start however its {@code ..} fall (the bridge checks the same). */
  static boolean confined(String name) {
    if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
      return false;
    }
    int depth = 0;
    for (String part : name.split("[/\\\\]")) {
      if (part.equals("..")) {
        if (--depth < 0) {
          return false;
        }
      } else if (!part.isEmpty() && !part.equals(".")) {
        depth++;
      }
    }
    return true;
  }

  /** A link at {@code at} (relative to its path's root) to {@code target} stays inside that root. */
  static boolean linkConfined(Path at, String target) {
    if (target.startsWith("/")) {
      return false;
    }
    Path parent = at.getParent();
    return confined(parent == null ? target : parent.toString().replace('\\', '/') + "/" + target);
  }

  private static int mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= 1 << (8 - p.ordinal());
    }
    return m;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PosixFilePermission.values()) {
      if ((mode & (1 << (8 - p.ordinal()))) != 0) {
        set.add(p);
      }
    }
    return set;
  }
}
