package dev.cde.bridge.cache.nix;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One {@code .narinfo}: what nix needs to substitute a store path from a binary cache. Only uncompressed NARs are
 * kept ({@code Compression: none}), so the file hash is the NAR hash: a NAS is cheap space, and it spares the
 * bridge a compressor and instances a decompression on every substitution.
 *
 * @param storePath  {@code /nix/store/<hash>-<name>}
 * @param narHash    {@code sha256:<nix base-32>} of the uncompressed NAR
 * @param references the base names ({@code <hash>-<name>}) of the paths this one refers to, itself included if so
 * @param deriver    the base name of the derivation that built it, or null
 * @param ca         the content address of a content-addressed path, or null
 * @param sigs       {@code name:base64} signatures
 */
public record NarInfo(String storePath, String narHash, long narSize, List<String> references, String deriver,
    String ca, List<String> sigs) {
  public static final String STORE_DIR = "/nix/store";
  /** Store path base names: 32 base-32 characters, a dash, and nix's allowed name characters. */
  private static final Pattern BASE_NAME = Pattern.compile("[0123456789abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+\\-._?=]{1,211}");
  private static final Pattern NAR_HASH = Pattern.compile("sha256:[0123456789abcdfghijklmnpqrsvwxyz]{52}");

  public NarInfo {
    references = List.copyOf(references);
    sigs = List.copyOf(sigs);
  }

  /** Reads a narinfo as nix writes it; lines this bridge does not keep (URL, FileHash, ...) are checked and dropped. */
  public static NarInfo parse(String text) {
    String storePath = null;
    String narHash = null;
    Long narSize = null;
    List<String> refs = null;
    String deriver = null;
    String ca = null;
    List<String> sigs = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int colon = line.indexOf(": ");
      if (colon <= 0) {
        throw new IllegalArgumentException("narinfo line without 'Key: value': " + abbreviate(line));
      }
      String key = line.substring(0, colon);
      String value = line.substring(colon + 2).strip();
      switch (key) {
        case "StorePath" -> storePath = value;
        case "NarHash" -> narHash = value;
        case "NarSize" -> narSize = number(key, value);
        case "References" -> refs = value.isEmpty() ? List.of() : List.of(value.split(" +"));
        case "Deriver" -> deriver = value.isEmpty() || value.equals("unknown-deriver") ? null : value;
        case "CA" -> ca = value.isEmpty() ? null : value;
        case "Sig" -> sigs.add(value);
        case "Compression" -> {
          if (!value.equals("none")) {
            throw new IllegalArgumentException("only uncompressed NARs are kept (Compression: none), not " + value);
          }
        }
        case "URL", "FileHash", "FileSize", "System" -> {
          // Derived from NarHash/NarSize here (the NAR is stored under its own hash); System is informational.
        }
        default -> throw new IllegalArgumentException("unknown narinfo field " + abbreviate(key));
      }
    }
    if (storePath == null || narHash == null || narSize == null || refs == null) {
      throw new IllegalArgumentException("a narinfo needs StorePath, NarHash, NarSize and References");
    }
    NarInfo info = new NarInfo(storePath, narHash, narSize, refs, deriver, ca, sigs);
    info.check();
    return info;
  }

  private void check() {
    if (!storePath.startsWith(STORE_DIR + "/") || !BASE_NAME.matcher(baseName()).matches()) {
      throw new IllegalArgumentException("not a store path in " + STORE_DIR + ": " + abbreviate(storePath));
    }
    if (!NAR_HASH.matcher(narHash).matches()) {
      throw new IllegalArgumentException("NarHash must be sha256:<nix base-32>, not " + abbreviate(narHash));
    }
    if (narSize < 0) {
      throw new IllegalArgumentException("NarSize must not be negative");
    }
    for (String r : references) {
      if (!BASE_NAME.matcher(r).matches()) {
        throw new IllegalArgumentException("not a store path base name in References: " + abbreviate(r));
      }
    }
    if (deriver != null && !BASE_NAME.matcher(deriver).matches()) {
      throw new IllegalArgumentException("not a store path base name in Deriver: " + abbreviate(deriver));
    }
  }

  public String baseName() {
    return storePath.substring(STORE_DIR.length() + 1);
  }

  /** The 32-character hash part: the narinfo's file name without {@code .narinfo}. */
  public String hashPart() {
    return baseName().substring(0, 32);
  }

  /** The NAR's nix base-32 sha256, which is also its file name. */
  public String narHashBase32() {
    return narHash.substring("sha256:".length());
  }

  public String url() {
    return "nar/" + narHashBase32() + ".nar";
  }

  /**
   * What a signature covers, as nix's {@code ValidPathInfo::fingerprint} makes it: {@code
   * 1;<store path>;<nar hash>;<nar size>;<references as full paths, comma-separated>}. The deriver and the URL are
   * not covered; the NAR is, through its hash.
   */
  public String fingerprint() {
    return "1;" + storePath + ";" + narHash + ";" + narSize + ";"
        + String.join(",", references.stream().map(r -> STORE_DIR + "/" + r).toList());
  }

  public NarInfo withSigs(List<String> newSigs) {
    return new NarInfo(storePath, narHash, narSize, references, deriver, ca, newSigs);
  }

  /** The narinfo as this cache serves it. */
  public String render() {
    StringBuilder b = new StringBuilder()
        .append("StorePath: ").append(storePath).append('\n')
        .append("URL: ").append(url()).append('\n')
        .append("Compression: none\n")
        .append("FileHash: ").append(narHash).append('\n')
        .append("FileSize: ").append(narSize).append('\n')
        .append("NarHash: ").append(narHash).append('\n')
        .append("NarSize: ").append(narSize).append('\n')
        .append("References: ").append(String.join(" ", references)).append('\n');
    if (deriver != null) {
      b.append("Deriver: ").append(deriver).append('\n');
    }
    for (String s : sigs) {
      b.append("Sig: ").append(s).append('\n');
    }
    if (ca != null) {
      b.append("CA: ").append(ca).append('\n');
    }
    return b.toString();
  }

  private static long number(String key, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, not " + abbreviate(value));
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
