package dev.cde.bridge.relay;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bridge's own check of a client's {@code tcp} channel, before it reaches the instance (whose agent checks its
 * {@code CDE_TCP_ALLOW} again): no cloud metadata service (it hands out the instance's credentials: the classic SSRF
 * prize), no IPv4 address spelled in a way only resolvers understand (decimal, hex, octal: how filters are slipped),
 * and, where the instance shares the bridge's host network (the local provider), not the bridge's own port. Names are
 * not resolved here: the instance resolves them, maybe differently, and its agent accepts only the names it lists.
 */
final class TcpTargets {
  private static final Set<String> METADATA_NAMES = Set.of("metadata.google.internal", "metadata",
      "metadata.azure.internal", "instance-data", "instance-data.ec2.internal");
  private static final Pattern DOTTED_DECIMAL = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
      + "(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  /** Digits, dots and hex letters with an x: an IPv4 address in a resolver's other spellings. */
  private static final Pattern NUMERIC_HOST = Pattern.compile("(0x[0-9a-f]+|\\d+)(\\.(0x[0-9a-f]+|\\d+)){0,3}");

  private TcpTargets() {
  }

  /**
   * Why the relay refuses {@code host:port}, or empty when it passes it on.
   *
   * @param sharesBridgeHost whether the instance runs in the bridge's network namespace (its loopback is the
   *     bridge's)
   * @param bridgePorts the ports the bridge serves on
   * @param allowed {@code cde.relay.tcp-allow}: {@code host} or {@code host:port} entries passed whatever the rest
   */
  static Optional<String> refusal(String host, int port, boolean sharesBridgeHost, Set<Integer> bridgePorts,
      List<String> allowed) {
    String h = normalize(host == null ? "127.0.0.1" : host);
    for (String a : allowed) {
      String entry = a.strip().toLowerCase(Locale.ROOT);
      if (entry.equals(h) || entry.equals(h + ":" + port) || entry.equals("[" + h + "]:" + port)) {
        return Optional.empty();
      }
    }
    if (METADATA_NAMES.contains(h)) {
      return Optional.of(h + " is a cloud metadata service (it hands out the instance's credentials); allow it with"
          + " cde.relay.tcp-allow");
    }
    InetAddress literal = literal(h);
    if (literal == null && NUMERIC_HOST.matcher(h).matches()) {
      return Optional.of("write an IPv4 address in dotted decimal (a.b.c.d), not as " + host);
    }
    if (literal != null && (literal.isLinkLocalAddress() || isAwsIpv6Metadata(literal))) {
      return Optional.of(h + " is link-local, where cloud metadata services answer (they hand out the instance's"
          + " credentials); allow it with cde.relay.tcp-allow");
    }
    boolean loopback = h.equals("localhost") || (literal != null && (literal.isLoopbackAddress()
        || literal.isAnyLocalAddress()));
    if (sharesBridgeHost && loopback && bridgePorts.contains(port)) {
      return Optional.of("port " + port + " on this instance's loopback is the bridge itself (the instance shares"
          + " the bridge's host); allow it with cde.relay.tcp-allow");
    }
    return Optional.empty();
  }

  private static String normalize(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** The address a literal names (dotted-decimal IPv4 or IPv6), without any lookup; null for a name. */
  private static InetAddress literal(String h) {
    if (!DOTTED_DECIMAL.matcher(h).matches() && !h.contains(":")) {
      return null;
    }
    try {
      return InetAddress.getByName(h); // a literal: parsed, never resolved
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** fd00:ec2::254, the IPv6 address of AWS's instance metadata service. */
  private static boolean isAwsIpv6Metadata(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 16 && (b[0] & 0xff) == 0xfd && b[1] == 0 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2
        && b[15] == (byte) 0x54 && b[14] == (byte) 0x02 && java.util.stream.IntStream.range(4, 14).allMatch(i -> b[i] == 0);
  }
}
