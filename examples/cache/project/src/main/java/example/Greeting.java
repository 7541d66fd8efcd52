package example;

import org.apache.commons.lang3.StringUtils;

/** What the example builds: enough code to need a dependency and a test. */
public final class Greeting {
  private Greeting() {
  }

  public static String of(String name) {
    return "Hello, " + StringUtils.capitalize(StringUtils.defaultIfBlank(name, "world").strip()) + "!";
  }
}
