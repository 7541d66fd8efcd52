package dev.cde.bridge.session;

import java.security.SecureRandom;

/** {@code s-} and 10 random lowercase base32 characters (50 bits): short enough to type, hard to guess. */
public final class SessionIds {
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private SessionIds() {
  }

  public static String next() {
    char[] c = new char[10];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return "s-" + new String(c);
  }

  public static boolean looksValid(String id) {
    return id != null && id.matches("s-[a-z2-7]{10}");
  }
}
