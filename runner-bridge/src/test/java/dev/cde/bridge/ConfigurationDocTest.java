package dev.cde.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every {@code cde.*} key of every {@code @ConfigMapping} interface is listed in docs/configuration.md. */
class ConfigurationDocTest {
  @Test
  void everyKeyIsDocumented() throws Exception {
    Path doc = Path.of(System.getProperty("cde.root", "..")).resolve("docs/configuration.md");
    String text = Files.readString(doc);
    List<String> keys = keys();
    assertThat(keys).as("mapping interfaces found").contains("cde.home", "cde.auth.token", "cde.provider.name",
        "cde.local.agent-command", "cde.cost.prices-file", "cde.session.wait-timeout");
    List<String> missing = keys.stream().filter(k -> !text.contains("`" + k + "`") && !text.contains("`" + k + ".")).toList();
    assertThat(missing).as("keys missing from " + doc).isEmpty();
  }

  /** Scans the compiled main classes, so a new mapping is checked without touching this test. */
  static List<String> keys() throws Exception {
    Path classes = Path.of(ConfigurationDocTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolveSibling("classes");
    List<String> keys = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
        Class<?> c = Class.forName(name, false, ConfigurationDocTest.class.getClassLoader());
        ConfigMapping m = c.getAnnotation(ConfigMapping.class);
        if (m == null) {
          continue;
        }
        for (Method method : c.getDeclaredMethods()) {
          if (method.isDefault() || java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
            continue;
          }
          WithName w = method.getAnnotation(WithName.class);
          keys.add(m.prefix() + "." + (w != null ? w.value() : kebab(method.getName())));
        }
      }
    }
    return keys;
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
  }
}
