package dev.cde.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code LOCAL:REMOTE} of {@code cde forward}: a port on 127.0.0.1 here (0 = any free one) to a port in the session. */
public record PortMapping(int local, int remote) {

  public static PortMapping parse(String s) {
    String[] p = s.strip().split(":", -1);
    if (p.length != 2) {
      throw new IllegalArgumentException("'" + s + "' is not LOCAL:REMOTE (example: 2222:22)");
    }
    int local = port(p[0], s, true);
    int remote = port(p[1], s, false);
    return new PortMapping(local, remote);
  }

  private static int port(String v, String whole, boolean zeroAllowed) {
    try {
      int n = Integer.parseInt(v);
      if (n >= (zeroAllowed ? 0 : 1) && n <= 65535) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("'" + whole + "': '" + v + "' is not a port (" + (zeroAllowed ? 0 : 1) + "-65535)");
  }

  static final class Converter implements ITypeConverter<PortMapping> {
    @Override
    public PortMapping convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
