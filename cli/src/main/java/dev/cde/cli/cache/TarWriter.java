package dev.cde.cli.cache;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes the tar of {@code cde cache save}: POSIX ustar headers, with a pax extended header only where ustar
 * cannot hold a value (a name that does not fit name and prefix, a non-ASCII name or link target, a size of
 * 8 GiB or more). GNU tar, bsdtar and commons-compress read it; the bridge reads every archive through with
 * commons-compress before publishing it, so each save checks this writer against that library.
 *
 * <p>Why not commons-compress's TarArchiveOutputStream, which this replaced: per entry it makes a charset encoder
 * or two, a map for pax headers and a 10 KiB record copy on its way through four stream layers; for a dependency
 * cache of 50,000 small files that was more CPU than zstd itself, on the thread every byte waits for
 * (docs/benchmarks.md, "Keyed archive cache"). Here a header is formatted into the output buffer in place.
 */
final class TarWriter {
  static final int BLOCK = 512;
  /** Octal in 11 digits: the largest size and time a ustar field holds. */
  private static final long MAX_OCTAL_11 = 077777777777L;
  private static final byte[] ZEROS = new byte[BLOCK * 2];

  private final OutputStream out;
  private final byte[] buf;
  private int len;
  private final byte[] header = new byte[BLOCK];

  /** Buffers up to {@code bufferSize} bytes before each write to {@code out}. */
  TarWriter(OutputStream out, int bufferSize) {
    this.out = out;
    this.buf = new byte[bufferSize];
  }

  void directory(String name, int mode, long mtime) throws IOException {
    header(name.endsWith("/") ? name : name + "/", '5', mode, mtime, 0, "");
  }

  void symlink(String name, String target, long mtime) throws IOException {
    header(name, '2', 0777, mtime, 0, target);
  }

  /** A file whose content is at hand. */
  void file(String name, int mode, long mtime, byte[] content) throws IOException {
    file(name, mode, mtime, content, 0, content.length);
  }

  /** A file whose content is {@code length} bytes of {@code content} at {@code offset}. */
  void file(String name, int mode, long mtime, byte[] content, int offset, int length) throws IOException {
    header(name, '0', mode, mtime, length, "");
    put(content, offset, length);
    pad(length);
  }

  /** A file of exactly {@code size} bytes, read from {@code in} (an {@link EOFException} when it has fewer). */
  void file(String name, int mode, long mtime, long size, InputStream in) throws IOException {
    header(name, '0', mode, mtime, size, "");
    long left = size;
    while (left > 0) {
      if (len == buf.length) {
        flush();
      }
      int n = in.read(buf, len, (int) Math.min(buf.length - len, left));
      if (n < 0) {
        throw new EOFException("the file ended " + left + " bytes before its listed size (it changed while saved)");
      }
      len += n;
      left -= n;
    }
    pad(size);
  }

  /** The end-of-archive blocks, then everything buffered goes out (the stream stays open). */
  void finish() throws IOException {
    put(ZEROS, 0, ZEROS.length);
    flush();
  }

  private void flush() throws IOException {
    if (len > 0) {
      out.write(buf, 0, len);
      len = 0;
    }
  }

  private void put(byte[] b, int off, int n) throws IOException {
    if (n >= buf.length / 2) {
      flush(); // large content goes out as it is, not through the buffer
      out.write(b, off, n);
      return;
    }
    if (len + n > buf.length) {
      flush();
    }
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      put(ZEROS, 0, BLOCK - rest);
    }
  }

  private void header(String name, char type, int mode, long mtime, long size, String link) throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
    int split = split(nameBytes, name.length() == nameBytes.length);
    boolean paxPath = split < -1;
    boolean paxLink = linkBytes.length > 100 || linkBytes.length != link.length();
    boolean paxSize = size > MAX_OCTAL_11;
    if (paxPath || paxLink || paxSize) {
      pax(paxPath ? name : null, paxLink ? link : null, paxSize ? size : -1);
    }
    java.util.Arrays.fill(header, (byte) 0);
    if (paxPath) {
      // the pax record holds the name; the header keeps a placeholder ustar can hold, as GNU tar does
      ascii("././@PaxName", 0, 100);
    } else if (split < 0) {
      System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
    } else {
      System.arraycopy(nameBytes, split + 1, header, 0, nameBytes.length - split - 1);
      System.arraycopy(nameBytes, 0, header, 345, split);
    }
    octal(mode & 07777, 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(paxSize ? 0 : size, 124, 12);
    octal(Math.max(0, Math.min(mtime, MAX_OCTAL_11)), 136, 12);
    header[156] = (byte) type;
    if (!paxLink) {
      System.arraycopy(linkBytes, 0, header, 157, linkBytes.length);
    }
    ascii("ustar", 257, 6);
    header[263] = '0';
    header[264] = '0';
    checksum();
    put(header, 0, BLOCK);
  }

  /**
   * Where a name too long for the name field splits into prefix and name: -1 when it fits the name field as it is,
   * the index of the '/' to split at, or below -1 when only a pax record holds it (too long, or not ASCII).
   */
  private static int split(byte[] name, boolean ascii) {
    if (!ascii) {
      return -2;
    }
    if (name.length <= 100) {
      return -1;
    }
    for (int i = Math.min(155, name.length - 2); i > 0; i--) {
      if (name[i] == '/' && name.length - i - 1 <= 100) {
        return i;
      }
    }
    return -2;
  }

  /** A pax extended header ('x') for the entry that follows. */
  private void pax(String path, String link, long size) throws IOException {
    StringBuilder records = new StringBuilder();
    if (path != null) {
      record(records, "path", path);
    }
    if (link != null) {
      record(records, "linkpath", link);
    }
    if (size >= 0) {
      record(records, "size", Long.toString(size));
    }
    byte[] data = records.toString().getBytes(StandardCharsets.UTF_8);
    java.util.Arrays.fill(header, (byte) 0);
    ascii("././@PaxHeader", 0, 100);
    octal(0644, 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(data.length, 124, 12);
    octal(0, 136, 12);
    header[156] = 'x';
    ascii("ustar", 257, 6);
    header[263] = '0';
    header[264] = '0';
    checksum();
    put(header, 0, BLOCK);
    put(data, 0, data.length);
    pad(data.length);
  }

  /** {@code "<length> <key>=<value>\n"}, the length counting itself. */
  private static void record(StringBuilder to, String key, String value) {
    int body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
    int length = body + Integer.toString(body).length();
    if (Integer.toString(length).length() != Integer.toString(body).length()) {
      length++;
    }
    to.append(length).append(' ').append(key).append('=').append(value).append('\n');
  }

  private void ascii(String s, int off, int max) {
    for (int i = 0; i < s.length() && i < max; i++) {
      header[off + i] = (byte) s.charAt(i);
    }
  }

  /** Zero-padded octal in {@code width - 1} digits and a NUL, as GNU tar writes numbers. */
  private void octal(long value, int off, int width) {
    header[off + width - 1] = 0;
    long v = value;
    for (int i = off + width - 2; i >= off; i--) {
      header[i] = (byte) ('0' + (v & 7));
      v >>>= 3;
    }
  }

  private void checksum() {
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
    }
    octal(sum, 148, 7);
    header[155] = ' ';
  }
}
