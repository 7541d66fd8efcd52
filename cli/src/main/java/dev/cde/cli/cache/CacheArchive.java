package dev.cde.cli.cache;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The archive of {@code cde cache}: a zstd-compressed tar whose entries are named {@code <n>/<path inside>},
 * {@code n} being the position of the {@code --path} it came from. Names are relative by construction, so the
 * bridge can confine them (no absolute name, no {@code ..}), and a path outside the workspace ({@code ~/.m2})
 * needs no {@code ../..} as {@code @actions/cache} writes it; the same {@code --path} list (part of the
 * version) maps each {@code n} back on restore. Both directions stream: nothing holds the archive.
 */
public final class CacheArchive {
  /** zstd takes 128 KiB at a time best; twice that between each layer keeps the calls into it few. */
  private static final int BUFFER = 1 << 18;

  private CacheArchive() {}

  /** The archive's content refused on restore: it would write or link outside the cached paths. */
  public static final class UnsafeEntryException extends IOException {
    UnsafeEntryException(String message) {
      super(message);
    }
  }

  /**
   * The archive does not read to its end (damaged on the NAS, cut short on its way): what this restore had
   * written of it is removed again, so a job never builds on half an entry. The job goes on as after a miss.
   */
  public static final class DamagedArchiveException extends IOException {
    private final int removed;

    DamagedArchiveException(IOException cause, int removed) {
      super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
      this.removed = removed;
    }

    /** How many files this restore had written and removed. */
    public int removed() {
      return removed;
    }
  }

  /** A failure of reading the archive itself (not of writing what it holds). */
  private static final class Unreadable extends IOException {
    Unreadable(IOException cause) {
      super(cause);
    }
  }

  /**
   * Writes the paths (those that exist) as a zstd tar to {@code out}; returns how many files went in. Symbolic
   * links that lead outside their path are left out (with a warning): the bridge would refuse the archive.
   * Times are whole seconds, as GNU tar's default format keeps them: a fraction would cost a PAX header per
   * entry (commons-compress writes one for it), twice the headers to write, check on the bridge and parse again.
   */
  public static long write(List<Path> paths, OutputStream out, Consumer<String> warn) throws IOException {
    // zstd on as many threads as `zstd -T0` uses: compression is what save spends most of its CPU on.
    FrameCompressor z = new FrameCompressor(out, 3, Runtime.getRuntime().availableProcessors());
    // A small buffer: headers gather there, content goes straight into the compressor's frame (one copy, not two).
    TarWriter tar = new TarWriter(z, 1 << 14);
    try (z; ReadAhead ahead = new ReadAhead(tar)) {
      // The walk on a thread of its own (a stat per entry), this one writing what it listed: the thread that
      // feeds zstd is the one every byte waits for. A deep stack: a directory level is a frame.
      Thread walker = new Thread(null, () -> {
        try {
          for (int i = 0; i < paths.size(); i++) {
            walkRoot(paths.get(i), Integer.toString(i), ahead, warn);
          }
          ahead.end();
        } catch (IOException | RuntimeException e) {
          ahead.fail(e);
        }
      }, "cde-cache-walker", 64L << 20);
      walker.setDaemon(true);
      walker.start();
      long files = ahead.writeAll();
      tar.finish();
      return files;
    }
  }

  /** Lists one {@code --path} as entries {@code <prefix>/...}; the root is followed when it is a link, nothing else. */
  private static void walkRoot(Path root, String prefix, ReadAhead ahead, Consumer<String> warn) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // ~/.m2 on another disk is followed; what is under it is not.
    Path real = root.toRealPath();
    new Walk(ahead, root, real, warn).entry(real, prefix, attributes(real, false));
  }

  /** The walk of one root: depth first, a directory's entry before what is in it (as walkFileTree visits). */
  private record Walk(ReadAhead ahead, Path root, Path real, Consumer<String> warn) {
    void entry(Path p, String name, BasicFileAttributes a) throws IOException {
      if (a.isDirectory()) {
        ahead.directory(name, mode(a, 0755), seconds(a));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
          for (Path e : entries) {
            entry(e, name + "/" + e.getFileName(), attributes(e, true));
          }
        }
      } else if (a.isSymbolicLink()) {
        String target = Files.readSymbolicLink(p).toString();
        if (!linkConfined(real.relativize(p), target)) {
          warn.accept("left out " + p + ": its link to " + target + " leads outside " + root);
          return;
        }
        ahead.symlink(name, target, seconds(a));
      } else if (a.isRegularFile()) {
        ahead.file(name, mode(a, 0644), seconds(a), p, a.size());
      } // sockets, fifos, devices: nothing a cache needs
    }
  }

  /** One lstat, the permissions with it where the file system has them (walkFileTree's cost a second one). */
  private static BasicFileAttributes attributes(Path p, boolean noFollow) throws IOException {
    LinkOption[] options = noFollow ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
    try {
      return Files.readAttributes(p, PosixFileAttributes.class, options);
    } catch (UnsupportedOperationException e) {
      return Files.readAttributes(p, BasicFileAttributes.class, options);
    }
  }

  /** Whole seconds, as GNU tar's default format keeps them (and a ustar header holds). */
  private static long seconds(BasicFileAttributes a) {
    return a.lastModifiedTime().to(TimeUnit.SECONDS);
  }

  private static int mode(BasicFileAttributes a, int otherwise) {
    // no POSIX permissions here: the tar default it is
    return a instanceof PosixFileAttributes posix ? mode(posix.permissions()) : otherwise;
  }

  /**
   * Extracts into the paths; returns the number of files written. Refused before anything is written outside:
   * an entry whose name is not {@code <n>/<relative path>} within a known path, a file written through a link
   * that leads outside its path, a link whose target leads outside. Links are made after every file (GNU tar
   * also delays them), so no file is ever written through a link the archive itself made.
   */
  public static long extract(InputStream raw, List<Path> paths) throws IOException {
    List<Path> written = new ArrayList<>();
    try {
      return extract(raw, paths, written);
    } catch (Unreadable e) {
      int removed = 0;
      for (Path p : written) {
        try {
          removed += Files.deleteIfExists(p) ? 1 : 0;
        } catch (IOException ignored) {
          // a file that cannot be removed stays; the warning says how many went
        }
      }
      throw new DamagedArchiveException((IOException) e.getCause(), removed);
    }
  }

  /** {@link #extract(InputStream, List)}, each file written added to {@code written} before it is. */
  private static long extract(InputStream raw, List<Path> paths, List<Path> written) throws IOException {
    Directories dirs = new Directories(paths);
    List<String[]> links = new ArrayList<>();
    List<Object[]> dirTimes = new ArrayList<>();
    // What tar gives a restored file as its access time: when the restore started.
    FileTime now = FileTime.from(Instant.now());
    long files = 0;
    byte[] buf = new byte[BUFFER];
    ZstdInputStream z = new ZstdInputStream(new BufferedInputStream(raw, BUFFER));
    z.setLongMax(31);
    try (z; ParallelWriter writers = new ParallelWriter()) {
      TarReader tar = new TarReader(z, BUFFER);
      TarReader.Entry e;
      while ((e = next(tar)) != null) {
        String name = e.name();
        // A tar name may hold a NUL (a pax path); no file can, and Path would throw an unchecked
        // InvalidPathException (found by CacheArchiveFuzzTest).
        if (name.indexOf('\0') >= 0 || (e.isSymbolicLink() && e.linkName().indexOf('\0') >= 0)) {
          throw new UnsafeEntryException("entry " + name.replace("\0", "\\0") + " has a NUL character in its name"
              + (e.isSymbolicLink() ? " or link" : ""));
        }
        int slash = name.indexOf('/');
        int index = pathIndex(slash < 0 ? name : name.substring(0, slash), paths.size());
        String rest = slash < 0 ? "" : name.substring(slash + 1);
        if (index < 0) {
          throw new UnsafeEntryException("entry " + name + " names no --path of this restore");
        }
        if (!confined(rest)) {
          throw new UnsafeEntryException("entry " + name + " points outside its path");
        }
        Path root = dirs.root(index);
        Path target = rest.isEmpty() ? root : root.resolve(rest).normalize();
        if (e.isSymbolicLink()) {
          if (!linkConfined(Path.of(rest.isEmpty() ? "." : rest), e.linkName())) {
            throw new UnsafeEntryException("symbolic link " + name + " -> " + e.linkName()
                + " points outside its path");
          }
          links.add(new String[] {Integer.toString(index), target.toString(), e.linkName()});
          continue;
        }
        if (!e.isDirectory() && !e.isFile()) {
          throw new UnsafeEntryException("entry " + name + " is neither a file, a directory nor a symbolic link");
        }
        if (rest.isEmpty()) {
          // A --path that is a single file lands in the directory the user named.
          Files.createDirectories(e.isDirectory() ? target : target.getParent());
        } else {
          // Anything below a path must stay below it.
          dirs.inside(index, e.isDirectory() ? target : target.getParent(), name);
        }
        FileTime mtime = FileTime.from(e.mtime(), TimeUnit.SECONDS);
        if (e.isDirectory()) {
          dirTimes.add(new Object[] {target, mtime, e.mode() == 0755 ? 0 : e.mode()});
          continue;
        }
        int mode = e.mode() == 0644 ? 0 : e.mode();
        if (e.size() <= ReadAhead.SMALL_FILE) {
          // Small files (nearly all of a dependency cache) are written by a few threads while this one reads on.
          Slabs.Slice content = writers.reserve((int) e.size());
          try {
            tar.readFully(content.bytes(), content.offset(), content.length());
          } catch (IOException ex) {
            content.release();
            throw new Unreadable(ex);
          }
          written.add(target);
          writers.submit(target, content, mode, mtime);
        } else {
          writers.awaitPath(target);
          written.add(target);
          try (OutputStream out = create(target)) {
            int n;
            while ((n = read(tar, buf)) > 0) {
              out.write(buf, 0, n);
            }
          }
          restoreMeta(target, mode, mtime, now);
        }
        files++;
      }
    }
    // Every file is written (the writers were closed, which waits for them) before any link is made.
    for (String[] l : links) {
      Path root = dirs.root(Integer.parseInt(l[0]));
      Path at = Path.of(l[1]);
      // Checked against the real directories, which earlier links may have moved: first the deepest one that is
      // there (so nothing is made through a link leading out), then where the link lands.
      Files.createDirectories(root);
      Path realRoot = root.toRealPath();
      Path there = at.getParent();
      while (!Files.exists(there)) {
        there = there.getParent();
      }
      if (!there.toRealPath().startsWith(realRoot)) {
        throw new UnsafeEntryException("entry " + at + " would be written through a link leading outside " + root);
      }
      Files.createDirectories(at.getParent());
      if (!at.getParent().toRealPath().startsWith(realRoot)) {
        throw new UnsafeEntryException("entry " + at + " would be written through a link leading outside " + root);
      }
      Path resolved = at.getParent().toRealPath().resolve(l[2]).normalize();
      if (!resolved.startsWith(realRoot)) {
        throw new UnsafeEntryException("symbolic link " + at + " -> " + l[2] + " points outside its path");
      }
      Files.deleteIfExists(at);
      Files.createSymbolicLink(at, Path.of(l[2]));
    }
    // Directories last: writing their files changed their times.
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      Object[] d = dirTimes.get(i);
      restoreMeta((Path) d[0], (Integer) d[2], (FileTime) d[1], now);
    }
    return files;
  }

  private static TarReader.Entry next(TarReader tar) throws Unreadable {
    try {
      return tar.next();
    } catch (IOException e) {
      throw new Unreadable(e);
    }
  }

  private static int read(TarReader tar, byte[] buf) throws Unreadable {
    try {
      return tar.read(buf, 0, buf.length);
    } catch (IOException e) {
      throw new Unreadable(e);
    }
  }

  /** {@code n} of an entry name {@code <n>/...}, or -1 when it names no path of this restore. */
  private static int pathIndex(String text, int paths) {
    if (text.isEmpty() || text.length() > 4) {
      return -1;
    }
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n < paths ? n : -1;
  }

  /**
   * The directories of one restore that are known to lie inside their path: each was made by this restore
   * below one known so (a new directory is no link), or was already there and checked once. So a file's
   * directory costs a lookup here, not a real-path resolution (a stat per component) as a check from scratch
   * would; tar makes no such calls either. Links from the archive are made only at the end, so nothing the
   * archive brings can turn a known directory into a link while files are written.
   */
  private static final class Directories {
    private final List<Path> roots = new ArrayList<>();
    private final Path[] realRoots;
    private final Set<Path> known = new HashSet<>();

    Directories(List<Path> paths) {
      for (Path p : paths) {
        roots.add(p.toAbsolutePath().normalize());
      }
      realRoots = new Path[roots.size()];
    }

    Path root(int index) {
      return roots.get(index);
    }

    /** Makes {@code dir} (below root {@code index}) and its parents, or refuses when one leads outside. */
    void inside(int index, Path dir, String name) throws IOException {
      if (known.contains(dir)) {
        return;
      }
      Path root = roots.get(index);
      if (dir.equals(root)) {
        // The root itself may be a link (~/.m2 on another disk): where it leads is what "inside" means.
        Files.createDirectories(root);
        realRoots[index] = root.toRealPath();
        known.add(dir);
        return;
      }
      inside(index, dir.getParent(), name);
      try {
        Files.createDirectory(dir);
      } catch (FileAlreadyExistsException ex) {
        BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
          Path realRoot = realRoots[index] != null ? realRoots[index] : root.toRealPath();
          if (!dir.toRealPath().startsWith(realRoot)) {
            throw new UnsafeEntryException("entry " + name + " would be written through a link leading outside "
                + root);
          }
        } else if (!a.isDirectory()) {
          throw ex;
        }
      }
      known.add(dir);
    }
  }

  /** Opens a file to write, replacing (never writing through) a link already at its place. */
  private static OutputStream create(Path target) throws IOException {
    try {
      return Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.FileSystemException ex) {
      if (!Files.isSymbolicLink(target)) {
        throw ex;
      }
      Files.delete(target); // a link already there is replaced, never written through (O_NOFOLLOW said ELOOP)
      return Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** Writes one small file whole (a writer thread of {@link ParallelWriter}). */
  static void writeFile(Path target, byte[] content, int offset, int length, int mode, FileTime mtime)
      throws IOException {
    try (OutputStream o = create(target)) {
      o.write(content, offset, length);
    }
    restoreMeta(target, mode, mtime, null);
  }

  /**
   * Mode, then times. 0644 (0755 for a directory) is what a new one gets under the usual umask: no chmod then
   * (tar run by a user applies the umask too), one syscall less for nearly every file of a dependency cache.
   * Both times at once: given only one, Java reads the other first, a stat more per file.
   */
  private static void restoreMeta(Path p, int mode, FileTime mtime, FileTime atime) {
    try {
      if (mode != 0) {
        Files.setPosixFilePermissions(p, permissions(mode));
      }
      if (mtime != null) {
        Files.getFileAttributeView(p, BasicFileAttributeView.class).setTimes(mtime,
            atime != null ? atime : FileTime.from(Instant.now()), null);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // permissions and times are a courtesy to build tools; the content is what the cache is for
    }
  }

  /**
   * Relative, never climbing above its start however its {@code ..} fall (the bridge checks the same). A loop,
   * not {@code split}/{@code matches}: those compile a pattern per call, and this runs once per entry.
   */
  static boolean confined(String name) {
    if (name.startsWith("/") || name.startsWith("\\") || name.length() >= 2 && name.charAt(1) == ':'
        && (name.charAt(0) | 0x20) >= 'a' && (name.charAt(0) | 0x20) <= 'z') {
      return false;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i < name.length() && name.charAt(i) != '/' && name.charAt(i) != '\\') {
        continue;
      }
      int len = i - start;
      if (len == 2 && name.charAt(start) == '.' && name.charAt(start + 1) == '.') {
        if (--depth < 0) {
          return false;
        }
      } else if (len > 1 || len == 1 && name.charAt(start) != '.') {
        depth++;
      }
      start = i + 1;
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
