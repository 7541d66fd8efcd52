package dev.cde.bridge.github.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The error messages docs/github.md promises are the ones the parser gives, word for word. */
class LabelDocTest {
  private static final Pattern ROW = Pattern.compile("^\\| [^|]+ \\| `(label '([^']*)'.*)` \\|$", Pattern.MULTILINE);
  private static final Pattern FIRST = Pattern.compile("already set by '([^']*)'");

  @Test
  void documentedMessagesAreTheParsersMessages() throws Exception {
    String doc = Files.readString(Path.of(System.getProperty("cde.root", "..")).resolve("docs/github.md"));
    Matcher m = ROW.matcher(doc);
    int rows = 0;
    while (m.find()) {
      rows++;
      String message = m.group(1);
      List<String> labels = new ArrayList<>(List.of("cde-serverless"));
      Matcher first = FIRST.matcher(message);
      if (first.find()) {
        labels.add(first.group(1));
      }
      labels.add(m.group(2));
      assertThatThrownBy(() -> LabelSpecParser.parse(labels)).as("labels %s", labels).hasMessage(message);
    }
    assertThat(rows).as("error rows in docs/github.md").isGreaterThanOrEqualTo(10);
  }
}
