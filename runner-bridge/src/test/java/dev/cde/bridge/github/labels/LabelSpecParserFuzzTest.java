package dev.cde.bridge.github.labels;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the label grammar (docs/github.md, "Labels"): any label list a workflow can carry gives
 * a {@link JobSpec} inside the documented bounds, or a {@link LabelException} whose message quotes a label the
 * author wrote — never another exception, and the same answer whatever the case of the ASCII letters (GitHub
 * compares labels case-insensitively).
 *
 * <p>Seeds: every {@code runs-on} example and every error example of docs/github.md, read from the page itself.
 * In every build this runs on those; {@code .ci/fuzz} fuzzes it for real (docs/fuzzing.md).
 */
class LabelSpecParserFuzzTest {
  private static final Pattern RUNS_ON = Pattern.compile("^\\s*(runs-on:.*)$", Pattern.MULTILINE);
  private static final Pattern ERROR_ROW = Pattern.compile("^\\| [^|]+ \\| `label '([^']*)'", Pattern.MULTILINE);
  private static final Pattern TEMPLATE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  @MethodSource("documentedLabels")
  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({"cde-serverless", "cde-serverless/", "self-hosted", "cpu=", "mem=", "gpu=", "template=",
      "timeout=", "cde-run=", "=", "/", "gi", "mi", "g", "m", "h", "s", ":", "t4", "a100:8", "0.25", "256g"})
  void anyLabelListGivesASpecWithinTheDocumentedBoundsOrAnErrorQuotingALabel(@NotNull List<@NotNull String> labels) {
    Object outcome = outcome(labels);
    if (outcome instanceof JobSpec spec) {
      assertThat(LabelSpecParser.wantsCde(labels)).isTrue();
      assertThat(spec.cpu()).isBetween(0.25, 64.0);
      assertThat(spec.memoryMb()).isBetween(128L, 256L * 1024);
      if (spec.gpuType() == null) {
        assertThat(spec.gpuCount()).isZero();
      } else {
        assertThat(LabelSpecParser.GPU_TYPES).contains(spec.gpuType());
        assertThat(spec.gpuCount()).isBetween(1, 8);
      }
      assertThat(spec.template()).matches(TEMPLATE);
      assertThat(spec.timeout()).isBetween(Duration.ofSeconds(10), Duration.ofHours(24));
      assertThat(spec.runId() == null || spec.runId().matches("\\d{1,20}")).as(spec.runId()).isTrue();
    } else {
      String message = (String) outcome;
      assertThat(message).isNotBlank();
      assertThat(labels.stream().anyMatch(l -> message.contains("label '" + l + "'"))
          || message.contains("do not ask for cde")).as(message).isTrue();
    }
    List<String> shouted = labels.stream().map(LabelSpecParserFuzzTest::asciiUpper).toList();
    Object again = outcome(shouted);
    if (outcome instanceof JobSpec) {
      assertThat(again).as("the same labels in upper case").isEqualTo(outcome);
    } else {
      assertThat(again).as("the same labels in upper case").isInstanceOf(String.class);
    }
  }

  /** The spec, or the error's message. */
  private static Object outcome(List<String> labels) {
    try {
      return LabelSpecParser.parse(labels);
    } catch (LabelException e) {
      return e.getMessage();
    }
  }

  private static String asciiUpper(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.chars().forEach(c -> b.append((char) (c >= 'a' && c <= 'z' ? c - 32 : c)));
    return b.toString();
  }

  /** The label lists docs/github.md shows: its {@code runs-on} examples, and the labels of its error table. */
  static Stream<List<String>> documentedLabels() throws IOException {
    String doc = Files.readString(Path.of(System.getProperty("cde.root", "..")).resolve("docs/github.md"));
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<List<String>> seeds = new ArrayList<>();
    Matcher m = RUNS_ON.matcher(doc);
    while (m.find()) {
      JsonNode runsOn = yaml.readTree(m.group(1)).path("runs-on");
      List<String> labels = new ArrayList<>();
      if (runsOn.isArray()) {
        runsOn.forEach(l -> labels.add(l.asText()));
      } else {
        labels.add(runsOn.asText());
      }
      seeds.add(labels);
    }
    Matcher e = ERROR_ROW.matcher(doc);
    while (e.find()) {
      seeds.add(List.of("cde-serverless", e.group(1)));
    }
    assertThat(seeds).as("label examples in docs/github.md").hasSizeGreaterThan(10);
    return seeds.stream();
  }
}
