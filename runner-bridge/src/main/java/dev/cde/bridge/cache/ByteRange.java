package dev.cde.bridge.cache;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a cached file one download asks for with an HTTP {@code Range: bytes=a-b} header (one range; a
 * suffix {@code bytes=-n}; an open end {@code bytes=a-}), as the cache clients send it: {@code @actions/cache}'s
 * Azure SDK and gitlab-runner's parallel cache download. Anything else is the whole file.
 */
public record ByteRange(long from, long to, boolean partial) {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  public long length() {
    return to - from + 1;
  }

  /** {@code Content-Range} of a partial answer. */
  public String contentRange(long size) {
    return "bytes " + from + "-" + to + "/" + size;
  }

  /** The range {@code header} asks for in a file of {@code size} bytes; empty when it cannot be met (416). */
  public static Optional<ByteRange> of(String header, long size) {
    Matcher m = header == null ? null : RANGE.matcher(header.strip());
    if (m == null || !m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return Optional.of(new ByteRange(0, size - 1, false));
    }
    long from;
    long to = size - 1;
    if (m.group(1).isEmpty()) {
      from = Math.max(0, size - Long.parseLong(m.group(2)));
    } else {
      from = Long.parseLong(m.group(1));
      if (!m.group(2).isEmpty()) {
        to = Math.min(size - 1, Long.parseLong(m.group(2)));
      }
    }
    return from > to ? Optional.empty() : Optional.of(new ByteRange(from, to, true));
  }
}
