package dev.cde.cli.cache;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the tar of {@code cde cache restore}: ustar and pax headers as {@link TarWriter} (and commons-compress,
 * which wrote the archives of earlier versions) write them, each header's checksum checked. Entry types other
 * than file, directory, symbolic link, pax and global pax are given to the caller to refuse, with the name.
 *
 * <p>Why not commons-compress's TarArchiveInputStream, which this replaced: per entry it allocates two 8 KiB
 * skip buffers, decodes the name through a new charset decoder and copies content through several stream
 * layers; on a 50,000-file dependency cache that cost 0.6 to 1.3 s against 0.27 s for this loop, on the thread
 * that the restore's writers all wait for (docs/benchmarks.md, "Keyed archive cache").
 */
final class TarReader {
  /** A pax header longer than this is not one that cde writes. */
  private static final int MAX_PAX = 1 << 20;

  private final InputStream in;
  private final byte[] buf;
  private int pos;
  private int end;
  private long left;
  private int padding;
  private Entry current;

  /** One header; {@code type} is ustar's type flag ('0' file, '5' directory, '2' symbolic link, ...). */
  record Entry(String name, char type, int mode, long mtime, long size, String linkName) {
    boolean isFile() {
      return type == '0' || type == 0 || type == '7';
    }

    boolean isDirectory() {
      return type == '5';
    }

    boolean isSymbolicLink() {
      return type == '2';
    }
  }

  TarReader(InputStream in, int bufferSize) {
    this.in = in;
    this.buf = new byte[Math.max(bufferSize, TarWriter.BLOCK * 4)];
  }

  /** The next entry, after skipping what is left of the current one; null at the end of the archive. */
  Entry next() throws IOException {
    skip(left + padding);
    left = 0;
    padding = 0;
    String paxPath = null;
    String paxLink = null;
    long paxSize = -1;
    while (true) {
      if (!fill(TarWriter.BLOCK)) {
        if (end - pos == 0) {
          return null; // an archive cut at a block boundary after its last entry; GNU tar accepts it too
        }
        throw new EOFException("the archive ends inside a header");
      }
      int h = pos;
      pos += TarWriter.BLOCK;
      if (allZero(h)) {
        return null; // end-of-archive block
      }
      if (!checksumOk(h)) {
        throw new IOException("not a tar header (checksum mismatch) at an entry after "
            + (current == null ? "the start" : current.name()));
      }
      char type = (char) buf[h + 156];
      long size = number(h + 124, 12);
      if (type == 'x' || type == 'g') {
        if (size < 0 || size > MAX_PAX) {
          throw new IOException("a pax header of " + size + " bytes");
        }
        byte[] data = new byte[(int) size];
        rawFully(data);
        skip(pad(size));
        if (type == 'g') {
          continue; // global defaults: cde writes none and needs none
        }
        // Records are "<length> <key>=<value>\n", the length in bytes counting itself.
        int i = 0;
        while (i < data.length) {
          int space = indexOf(data, ' ', i, data.length);
          long length = space < 0 ? -1 : digits(data, i, space);
          if (length <= 0 || i + length > data.length || data[(int) (i + length - 1)] != '\n') {
            throw new IOException("a malformed pax record after " + (current == null ? "the start" : current.name()));
          }
          int recordEnd = (int) (i + length);
          int eq = indexOf(data, '=', space + 1, recordEnd);
          if (eq < 0) {
            throw new IOException("a malformed pax record after " + (current == null ? "the start" : current.name()));
          }
          String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
          String value = new String(data, eq + 1, recordEnd - 1 - eq - 1, StandardCharsets.UTF_8);
          switch (key) {
            case "path" -> paxPath = value;
            case "linkpath" -> paxLink = value;
            case "size" -> paxSize = parseLong(value);
            default -> { } // times, owners, charset: nothing a restore uses beyond the header's
          }
          i = recordEnd;
        }
        continue;
      }
      String name = paxPath != null ? paxPath : name(h);
      long entrySize = paxSize >= 0 ? paxSize : size;
      if (entrySize < 0) {
        throw new IOException("entry " + name + " has no valid size");
      }
      String link = paxLink != null ? paxLink : string(h + 157, 100);
      current = new Entry(name, type, (int) number(h + 100, 8) & 07777, number(h + 136, 12),
          type == '5' || type == '2' || type == '1' ? 0 : entrySize, link);
      left = current.size();
      padding = pad(left);
      return current;
    }
  }

  /** Reads the current entry's content; -1 at its end. */
  int read(byte[] b, int off, int n) throws IOException {
    if (left == 0) {
      return -1;
    }
    int want = (int) Math.min(n, left);
    int got;
    if (end > pos) {
      got = Math.min(want, end - pos);
      System.arraycopy(buf, pos, b, off, got);
      pos += got;
    } else {
      got = in.read(b, off, want); // straight into the caller's array, past this buffer
      if (got < 0) {
        throw new EOFException("the archive ends inside " + current.name());
      }
    }
    left -= got;
    return got;
  }

  /** Reads the whole of the current entry's content into {@code b} (its size). */
  void readFully(byte[] b) throws IOException {
    readFully(b, 0, b.length);
  }

  /** Reads {@code length} bytes of the current entry's content into {@code b} at {@code offset}. */
  void readFully(byte[] b, int offset, int length) throws IOException {
    int off = offset;
    while (off < offset + length) {
      int n = read(b, off, offset + length - off);
      if (n < 0) {
        throw new EOFException("entry " + current.name() + " is shorter than its header says");
      }
      off += n;
    }
  }

  /** Bytes that belong to no entry (a pax header's records). */
  private void rawFully(byte[] b) throws IOException {
    int off = 0;
    while (off < b.length) {
      if (end == pos && !fill(1)) {
        throw new EOFException("the archive ends inside a pax header");
      }
      int got = Math.min(b.length - off, end - pos);
      System.arraycopy(buf, pos, b, off, got);
      pos += got;
      off += got;
    }
  }

  private static int indexOf(byte[] b, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static long digits(byte[] b, int from, int to) {
    long v = 0;
    if (from == to || to - from > 9) {
      return -1;
    }
    for (int i = from; i < to; i++) {
      if (b[i] < '0' || b[i] > '9') {
        return -1;
      }
      v = v * 10 + (b[i] - '0');
    }
    return v;
  }

  private void skip(long n) throws IOException {
    long rest = n;
    while (rest > 0) {
      if (end == pos && !fill(1)) {
        throw new EOFException("the archive ends inside " + (current == null ? "a header" : current.name()));
      }
      int k = (int) Math.min(rest, end - pos);
      pos += k;
      rest -= k;
    }
  }

  /** At least {@code n} bytes buffered; false when the stream ended first. */
  private boolean fill(int n) throws IOException {
    if (end - pos >= n) {
      return true;
    }
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, end - pos);
      end -= pos;
      pos = 0;
    }
    while (end < n) {
      int r = in.read(buf, end, buf.length - end);
      if (r < 0) {
        return false;
      }
      end += r;
    }
    return true;
  }

  private static int pad(long size) {
    int rest = (int) (size % TarWriter.BLOCK);
    return rest == 0 ? 0 : TarWriter.BLOCK - rest;
  }

  private boolean allZero(int h) {
    for (int i = h; i < h + TarWriter.BLOCK; i++) {
      if (buf[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private boolean checksumOk(int h) {
    long sum = 0;
    for (int i = 0; i < TarWriter.BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : buf[h + i] & 0xff;
    }
    return sum == number(h + 148, 8);
  }

  /** Octal (with NUL or space ends), or base-256 when the first byte's high bit is set (GNU's big numbers). */
  private long number(int off, int width) {
    if ((buf[off] & 0x80) != 0) {
      long v = buf[off] & 0x3f;
      for (int i = off + 1; i < off + width; i++) {
        v = (v << 8) | (buf[i] & 0xff);
        if (v < 0) {
          return -1;
        }
      }
      return v;
    }
    long v = 0;
    int i = off;
    while (i < off + width && buf[i] == ' ') {
      i++;
    }
    for (; i < off + width && buf[i] >= '0' && buf[i] <= '7'; i++) {
      v = (v << 3) | (buf[i] - '0');
    }
    return v;
  }

  /** The ustar name: prefix '/' name when the header is POSIX ustar and has a prefix. */
  private String name(int h) {
    String name = string(h, 100);
    boolean posix = buf[h + 257] == 'u' && buf[h + 258] == 's' && buf[h + 259] == 't' && buf[h + 260] == 'a'
        && buf[h + 261] == 'r' && buf[h + 262] == 0;
    if (posix && buf[h + 345] != 0) {
      return string(h + 345, 155) + "/" + name;
    }
    return name;
  }

  private String string(int off, int max) {
    int n = 0;
    while (n < max && buf[off + n] != 0) {
      n++;
    }
    return new String(buf, off, n, StandardCharsets.UTF_8);
  }

  private static long parseLong(String v) throws IOException {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw new IOException("a malformed pax size: " + v);
    }
  }
}
