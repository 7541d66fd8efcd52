package dev.cde.bridge.cache.archive;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads an archive through before it is published: an archive that does not read to its end would be a
 * restore that fails later, in someone else's job. Archives of {@code cde cache save} are also confined: no
 * absolute name, no {@code ..}, no link leading out of the extraction directory. Archives of {@code @actions/cache}
 * are not confined, because that client itself names paths outside the workspace as {@code ../../.m2/...}; their
 * writers are confined by scope instead (see docs/caching.md).
 */
public final class ArchiveInspector {
  private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};
  private static final byte[] GZIP_MAGIC = {0x1F, (byte) 0x8B};

  private ArchiveInspector() {
  }

  /** The archive cannot be read to its end. */
  public static final class CorruptArchiveException extends IOException {
    public CorruptArchiveException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The archive names a path outside the directory it would be extracted into. */
  public static final class UnsafeArchiveException extends IOException {
    public UnsafeArchiveException(String message) {
      super(message);
    }
  }

  /** Reads the whole archive; returns the number of entries. */
  public static long inspect(Path archive, boolean confine) throws IOException {
    InputStream in;
    try {
      in = Files.newInputStream(archive);
    } catch (IOException e) {
      throw new CorruptArchiveException("the archive does not read to its end: " + e.getMessage(), e);
    }
    try (in) {
      return inspect(in, confine);
    }
  }

  /**
   * Reads a whole archive from {@code raw} (the file, or the upload while it arrives); returns the number of
   * entries. After the tar's end the compressed stream is read to its end too: a frame cut short there would
   * fail a client's {@code zstd -d} even though the tar in it was whole.
   */
  public static long inspect(InputStream raw, boolean confine) throws IOException {
    long entries = 0;
    // Content is read in large reads straight into this buffer (commons-compress's own skip reads 8 KiB at a
    // time through every stream layer).
    byte[] buf = new byte[1 << 16];
    try (InputStream in = decompressed(raw); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        entries++;
        if (confine) {
          checkConfined(e);
        }
        while (tar.read(buf) > 0) {
          // reading content through is what checks it
        }
      }
      while (in.read(buf) >= 0) {
        // the end of the compressed stream, past the tar's end-of-archive blocks
      }
    } catch (UnsafeArchiveException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new CorruptArchiveException("the archive does not read to its end: " + e.getMessage(), e);
    }
    return entries;
  }

  /** zstd, gzip or plain tar, by the first bytes; zstd with the long window {@code zstd --long=30} writes. */
  public static InputStream decompressed(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(4);
    byte[] head = in.readNBytes(4);
    in.reset();
    if (startsWith(head, ZSTD_MAGIC)) {
      ZstdInputStream z = new ZstdInputStream(in);
      z.setLongMax(31);
      return new BufferedInputStream(z, 1 << 16);
    }
    if (startsWith(head, GZIP_MAGIC)) {
      return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return in;
  }

  /** Throws when the entry would land, or link, outside the extraction directory. */
  public static void checkConfined(TarArchiveEntry e) throws UnsafeArchiveException {
    String name = e.getName();
    // A tar name may hold a NUL (a PAX or GNU long name), which no file can: cde cache restore refuses such an entry,
    // so it is refused before it is published rather than in every job that restores it.
    if (name.indexOf('\0') >= 0 || ((e.isSymbolicLink() || e.isLink()) && e.getLinkName().indexOf('\0') >= 0)) {
      throw new UnsafeArchiveException("entry " + name.replace("\0", "\\0") + " has a NUL character in its name or"
          + " link, which no file can have");
    }
    if (!confined(name)) {
      throw new UnsafeArchiveException("entry " + name + " points outside the extraction directory");
    }
    if (e.isSymbolicLink()) {
      String target = e.getLinkName();
      Path parent = Path.of(name).getParent();
      String resolved = parent == null ? target : parent.resolve(target).toString();
      if (target.startsWith("/") || !confined(resolved)) {
        throw new UnsafeArchiveException("symbolic link " + name + " -> " + target + " points outside the extraction"
            + " directory");
      }
    } else if (e.isLink() && !confined(e.getLinkName())) {
      throw new UnsafeArchiveException("hard link " + name + " -> " + e.getLinkName() + " points outside the"
          + " extraction directory");
    }
  }

  /**
   * Relative, and never climbing above its start however its {@code ..} fall. A loop, not {@code split} or
   * {@code matches}: those compile a pattern per call, and this runs for every entry of every archive.
   */
  static boolean confined(String name) {
    if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.length() >= 2
        && name.charAt(1) == ':' && (name.charAt(0) | 0x20) >= 'a' && (name.charAt(0) | 0x20) <= 'z') {
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

  private static boolean startsWith(byte[] head, byte[] magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (head[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
