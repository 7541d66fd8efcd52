package dev.cde.bridge.cache.git;

import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jgit.transport.URIish;

/**
 * Where a repository's mirror lives under the NAS, and the repository's URL without its credentials. The path comes
 * from a URL someone else sent (a webhook, a GitLab job), so every segment is checked: a name like {@code ..} or one
 * with a slash hidden in it must not write outside {@code <cde.cache.root>/git}.
 *
 * @param relative {@code git/<host>/<owner...>/<repo>.git}, relative to the NAS root (GitLab's subgroups make
 *     the owner several segments)
 * @param url the URL with user and password removed: the only form that is stored or logged
 */
public record MirrorPath(String relative, String url) {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

  /** @throws IllegalArgumentException with a message that never repeats the URL's credentials */
  public static MirrorPath of(String url) {
    URIish uri;
    try {
      uri = new URIish(url);
    } catch (URISyntaxException e) {
      // the message of URISyntaxException quotes its input, credentials and all
      throw new IllegalArgumentException("not a git URL");
    }
    URIish clean = uri.setUser(null).setPass(null);
    String host = uri.getHost() == null || uri.getHost().isEmpty() ? "localhost" : uri.getHost().toLowerCase();
    String path = uri.getPath() == null ? "" : uri.getPath();
    List<String> segments = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        segments.add(s);
      }
    }
    if (segments.size() < 2) {
      throw new IllegalArgumentException("a git URL needs an owner and a repository: " + clean);
    }
    String repo = segments.remove(segments.size() - 1);
    repo = repo.endsWith(".git") ? repo.substring(0, repo.length() - 4) : repo;
    segments.add(repo + ".git");
    segments.add(0, host);
    for (String s : segments) {
      if (!SEGMENT.matcher(s).matches() || s.equals(".") || s.equals("..")) {
        throw new IllegalArgumentException("unsafe path segment '" + s + "' in " + clean);
      }
    }
    return new MirrorPath("git/" + String.join("/", segments), clean.toString());
  }

  /** The URL without its user and password; for logs and errors about a URL that may not parse as git's. */
  public static String redact(String url) {
    try {
      return new URIish(url).setUser(null).setPass(null).toString();
    } catch (URISyntaxException e) {
      return "<unparseable URL>";
    }
  }
}
