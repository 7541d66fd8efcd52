package dev.cde.bridge.cache.gitlab;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An object name as gitlab-runner builds it ({@code cache/cache.go}, GetAdapter): {@code [<Path>/][runner/<short
 * token>/]project/<project id>/[<2 hex>/]<key>}; the key holds no {@code /} (GitLab refuses one in
 * {@code cache:key}), so the project id is the {@code project/<digits>} segment one or two before the last.
 * Names become paths under the bucket's directory, so anything that could climb out or alias is refused.
 */
public record CacheObjectName(String name, String project) {
  /** S3's own limit on a key. */
  static final int MAX_BYTES = 1024;
  /** NAME_MAX of Linux file systems: each segment becomes a file or directory name. */
  static final int MAX_SEGMENT_BYTES = 255;
  private static final Pattern PROJECT = Pattern.compile("(?:^|/)project/(\\d{1,19})/(?:[^/]+/)?[^/]+$");

  /** @throws S3Error 400 for a name that is not a safe gitlab-runner cache object name */
  static CacheObjectName parse(String name) throws S3Error {
    if (name.isEmpty()) {
      throw S3Error.invalidArgument("an object name is required");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new S3Error(400, "KeyTooLongError", "Your key is too long (at most " + MAX_BYTES + " bytes).");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw S3Error.invalidArgument("the object name holds a control character");
      }
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw S3Error.invalidArgument("the object name may not be absolute, hold an empty segment, '.' or '..'");
      }
      if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
        throw new S3Error(400, "KeyTooLongError", "A segment of the object name is longer than "
            + MAX_SEGMENT_BYTES + " bytes.");
      }
    }
    Matcher m = PROJECT.matcher(name);
    if (!m.find()) {
      throw S3Error.invalidArgument("not a gitlab-runner cache object: expected .../project/<project id>/<key>");
    }
    return new CacheObjectName(name, m.group(1));
  }
}
