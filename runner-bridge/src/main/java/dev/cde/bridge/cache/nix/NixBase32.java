package dev.cde.bridge.cache.nix;

/**
 * Nix's base-32: its own alphabet (no e, o, t, u) and its own bit order (the last character holds the first
 * bits), so neither RFC 4648 nor any library encoder produces it. Narinfo hashes and NAR file names use it.
 */
public final class NixBase32 {
  private static final String ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";

  private NixBase32() {
  }

  /** Port of nix's {@code printHash32}: character {@code i} from the end holds bits {@code 5i..5i+4}. */
  public static String encode(byte[] bytes) {
    int length = (bytes.length * 8 - 1) / 5 + 1;
    StringBuilder out = new StringBuilder(length);
    for (int n = length - 1; n >= 0; n--) {
      int b = n * 5;
      int i = b / 8;
      int j = b % 8;
      int c = (bytes[i] & 0xff) >> j;
      if (i + 1 < bytes.length) {
        c |= (bytes[i + 1] & 0xff) << (8 - j);
      }
      out.append(ALPHABET.charAt(c & 0x1f));
    }
    return out.toString();
  }

  /** True for a string nix's store path hashes and NAR names are made of. */
  public static boolean isValid(String s, int length) {
    if (s == null || s.length() != length) {
      return false;
    }
    for (int k = 0; k < s.length(); k++) {
      if (ALPHABET.indexOf(s.charAt(k)) < 0) {
        return false;
      }
    }
    return true;
  }
}
