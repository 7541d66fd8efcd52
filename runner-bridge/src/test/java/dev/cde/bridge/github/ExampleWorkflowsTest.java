package dev.cde.bridge.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cde.bridge.github.labels.JobSpec;
import dev.cde.bridge.github.labels.LabelException;
import dev.cde.bridge.github.labels.LabelSpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code runs-on} of examples/github asks for cde and is accepted by the bridge's own label parser, with
 * the job's matrix and {@code ${{ github.run_id }}} expanded first, as GitHub expands them before it matches
 * labels: an example that a user copies must not leave a job queued or failed.
 */
class ExampleWorkflowsTest {
  static final Path EXAMPLES = Path.of(System.getProperty("cde.root", "..")).resolve("examples/github");
  static final String RUN_ID = "16012345678";
  private static final Pattern EXPRESSION = Pattern.compile("\\$\\{\\{\\s*(.*?)\\s*}}");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One job's labels for one matrix combination, as GitHub would match them. */
  record LabelSet(String file, String job, List<String> labels, JsonNode steps) {
    JobSpec spec() {
      return LabelSpecParser.parse(labels);
    }

    @Override
    public String toString() {
      return file + " job " + job + " runs-on " + labels;
    }
  }

  @Test
  void everyExampleAsksForCdeAndIsAccepted() throws IOException {
    List<LabelSet> sets = allLabelSets();
    assertThat(sets).extracting(LabelSet::file).contains("cpu.yml", "gpu.yml", "matrix.yml", "strict-pairing.yml", "maven-cache.yml");
    List<String> problems = new ArrayList<>();
    for (LabelSet s : sets) {
      if (!LabelSpecParser.wantsCde(s.labels())) {
        problems.add(s + ": does not ask for cde");
        continue;
      }
      try {
        s.spec();
      } catch (LabelException e) {
        problems.add(s + ": " + e.getMessage());
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void eachExampleShowsWhatItsNameSays() throws IOException {
    List<LabelSet> sets = allLabelSets();
    assertThat(of(sets, "cpu.yml")).anySatisfy(s -> assertThat(s.labels()).containsExactly("cde-serverless"));

    assertThat(of(sets, "gpu.yml")).anySatisfy(s -> {
      assertThat(s.labels()).containsExactly("cde-serverless", "gpu=t4");
      assertThat(s.spec().gpuType()).isEqualTo("t4");
      assertThat(s.spec().gpuCount()).isEqualTo(1);
      assertThat(s.steps().findValuesAsText("run")).anySatisfy(run -> assertThat(run).startsWith("nvidia-smi"));
    });

    // The matrix example uses the one-label form throughout, one distinct size per combination.
    List<LabelSet> matrix = of(sets, "matrix.yml");
    assertThat(matrix).hasSizeGreaterThanOrEqualTo(3)
        .allSatisfy(s -> assertThat(s.labels()).singleElement().asString().startsWith("cde-serverless/"));
    assertThat(matrix).filteredOn(s -> s.job().startsWith("bench")).extracting(s -> s.labels().get(0))
        .containsExactly("cde-serverless/cpu=2/mem=4g", "cde-serverless/cpu=4/mem=16g", "cde-serverless/cpu=8/mem=32g");
    assertThat(matrix).extracting(s -> s.spec().memoryMb()).contains(4096L, 16384L, 32768L);

    assertThat(of(sets, "strict-pairing.yml")).isNotEmpty()
        .allSatisfy(s -> assertThat(s.spec().runId()).isEqualTo(RUN_ID));
  }

  @Test
  void readmeListsEveryExample() throws IOException {
    String readme = Files.readString(EXAMPLES.resolve("README.md"));
    for (Path f : workflowFiles()) {
      assertThat(readme).as("examples/github/README.md").contains("(" + f.getFileName() + ")");
    }
  }

  @Test
  void matrixExpansionFollowsGithub() throws IOException {
    JsonNode matrix = YAML.readTree("""
        os: [a, b]
        size: [s, l]
        exclude:
          - os: b
            size: l
        include:
          - os: a
            gpu: t4
          - os: c
            size: m
        """);
    assertThat(combinations(matrix)).extracting(Object::toString).containsExactly(
        "{os=a, size=s, gpu=t4}", "{os=a, size=l, gpu=t4}", "{os=b, size=s}", "{os=c, size=m}");
    assertThat(expand("cde-serverless/${{ matrix.size }}/x=${{github.run_id}}", Map.of("size", "cpu=2")))
        .isEqualTo("cde-serverless/cpu=2/x=" + RUN_ID);
  }

  static List<LabelSet> of(List<LabelSet> sets, String file) {
    return sets.stream().filter(s -> s.file().equals(file)).toList();
  }

  static List<Path> workflowFiles() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      return files.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  static List<LabelSet> allLabelSets() throws IOException {
    List<LabelSet> out = new ArrayList<>();
    for (Path file : workflowFiles()) {
      JsonNode jobs = YAML.readTree(file.toFile()).path("jobs");
      assertThat(jobs.isObject()).as("%s has jobs", file).isTrue();
      for (Iterator<Map.Entry<String, JsonNode>> it = jobs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> job = it.next();
        out.addAll(labelSets(file.getFileName().toString(), job.getKey(), job.getValue()));
      }
    }
    return out;
  }

  /** The job's {@code runs-on} for each combination of its matrix (one, without a matrix). */
  static List<LabelSet> labelSets(String file, String jobName, JsonNode job) {
    JsonNode runsOn = job.path("runs-on");
    if (runsOn.isObject()) {
      runsOn = runsOn.path("labels"); // runs-on: {group: ..., labels: ...}
    }
    List<String> raw = new ArrayList<>();
    if (runsOn.isTextual()) {
      raw.add(runsOn.asText());
    } else if (runsOn.isArray()) {
      runsOn.forEach(l -> raw.add(l.asText()));
    }
    assertThat(raw).as("%s job %s has runs-on", file, jobName).isNotEmpty();
    JsonNode matrix = job.path("strategy").path("matrix");
    List<Map<String, String>> combos = matrix.isMissingNode() ? List.of(Map.of()) : combinations(matrix);
    List<LabelSet> out = new ArrayList<>();
    for (Map<String, String> combo : combos) {
      List<String> labels = raw.stream().map(l -> expand(l, combo)).toList();
      out.add(new LabelSet(file, combo.isEmpty() ? jobName : jobName + " " + combo, labels, job.path("steps")));
    }
    return out;
  }

  /**
   * GitHub's matrix: the product of the keys, less {@code exclude}; each {@code include} entry extends the
   * combinations whose original values it does not contradict, or becomes a combination of its own.
   */
  static List<Map<String, String>> combinations(JsonNode matrix) {
    assertThat(matrix.isObject()).as("matrix %s is a mapping (no expressions in examples)", matrix).isTrue();
    List<Map<String, String>> combos = new ArrayList<>(List.of(new LinkedHashMap<>()));
    List<String> keys = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = matrix.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("include") || e.getKey().equals("exclude")) {
        continue;
      }
      keys.add(e.getKey());
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> c : combos) {
        for (JsonNode v : e.getValue()) {
          Map<String, String> n = new LinkedHashMap<>(c);
          n.put(e.getKey(), v.asText());
          next.add(n);
        }
      }
      combos = next;
    }
    for (JsonNode ex : matrix.path("exclude")) {
      combos.removeIf(c -> entries(ex).entrySet().stream().allMatch(x -> x.getValue().equals(c.get(x.getKey()))));
    }
    if (keys.isEmpty()) {
      combos.clear();
    }
    for (JsonNode in : matrix.path("include")) {
      Map<String, String> add = entries(in);
      boolean extended = false;
      for (Map<String, String> c : combos) {
        boolean fits = add.entrySet().stream()
            .allMatch(x -> !keys.contains(x.getKey()) || x.getValue().equals(c.get(x.getKey())));
        if (fits && keys.stream().anyMatch(c::containsKey)) {
          c.putAll(add);
          extended = true;
        }
      }
      if (!extended) {
        combos.add(new LinkedHashMap<>(add));
      }
    }
    return combos;
  }

  private static Map<String, String> entries(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  /** Expands the expressions an example may use in runs-on; any other is a mistake in the example. */
  static String expand(String label, Map<String, String> matrix) {
    Matcher m = EXPRESSION.matcher(label);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String expr = m.group(1);
      String value;
      if (expr.equals("github.run_id")) {
        value = RUN_ID;
      } else if (expr.startsWith("matrix.") && matrix.containsKey(expr.substring("matrix.".length()))) {
        value = matrix.get(expr.substring("matrix.".length()));
      } else {
        throw new AssertionError("runs-on '" + label + "' uses ${{ " + expr + " }}, which this test cannot expand");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
