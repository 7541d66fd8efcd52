package dev.cde.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** Where the bridge is and how to authenticate to it, from the environment (injectable for tests). */
public final class CliEnv {
  public static final String DEFAULT_BRIDGE_URL = "http://127.0.0.1:8080";

  private final Map<String, String> env;
  private final Path userHome;

  public CliEnv(Map<String, String> env, Path userHome) {
    this.env = env;
    this.userHome = userHome;
  }

  public static CliEnv system() {
    return new CliEnv(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** {@code $CDE_HOME}, default {@code ~/.cde}: the bridge writes its API token and log here. */
  public Path home() {
    String h = env.get("CDE_HOME");
    return h != null && !h.isBlank() ? Path.of(h) : userHome.resolve(".cde");
  }

  public URI bridgeUrl() {
    String u = env.getOrDefault("CDE_BRIDGE_URL", "").strip();
    if (u.isEmpty()) {
      u = DEFAULT_BRIDGE_URL;
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(u);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "CDE_BRIDGE_URL is not a URL: " + u);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new CliException(ExitCodes.USAGE, "CDE_BRIDGE_URL must be an http:// or https:// URL, not " + u);
    }
    return uri;
  }

  /** True when the bridge URL points at this machine, so that {@code cde} may start the embedded bridge itself. */
  public boolean bridgeIsLocal() {
    String host = bridgeUrl().getHost();
    return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]") || host.equals("::1");
  }

  public int bridgePort() {
    URI u = bridgeUrl();
    return u.getPort() > 0 ? u.getPort() : ("https".equals(u.getScheme()) ? 443 : 80);
  }

  /** The terminal type to ask the remote pty for. */
  public String term() {
    String t = env.get("TERM");
    return t == null || t.isBlank() || t.equals("dumb") ? "xterm-256color" : t;
  }

  public Path tokenFile() {
    return home().resolve("api-token");
  }

  /** {@code $CDE_API_TOKEN}, else the first line of {@code $CDE_HOME/api-token}. */
  public String apiToken() {
    String t = env.get("CDE_API_TOKEN");
    if (t != null && !t.isBlank()) {
      return t.strip();
    }
    Path file = tokenFile();
    try {
      String s = Files.readString(file).strip();
      if (s.isEmpty()) {
        throw new CliException(ExitCodes.AUTH_REFUSED, "the API token file " + file + " is empty");
      }
      return s;
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCodes.AUTH_REFUSED, "no API token: set CDE_API_TOKEN, or start the bridge once "
          + "(`cde up`) so that it writes " + file);
    } catch (IOException e) {
      throw new CliException(ExitCodes.AUTH_REFUSED, "cannot read the API token file " + file + ": " + e.getMessage());
    }
  }
}
