package dev.cde.bridge.github.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LabelSpecParserTest {
  private static List<String> labels(String csv) {
    return Arrays.stream(csv.split("\\s*;\\s*")).toList();
  }

  @Test
  void wantsCdeOnlyForTheBaseLabelOrTheOneLabelForm() {
    assertThat(LabelSpecParser.wantsCde(List.of("cde-serverless"))).isTrue();
    assertThat(LabelSpecParser.wantsCde(List.of("self-hosted", "cde-serverless", "cpu=4"))).isTrue();
    assertThat(LabelSpecParser.wantsCde(List.of("cde-serverless/cpu=4/mem=16g"))).isTrue();
    assertThat(LabelSpecParser.wantsCde(List.of("CDE-Serverless"))).isTrue();
    assertThat(LabelSpecParser.wantsCde(List.of("ubuntu-latest"))).isFalse();
    assertThat(LabelSpecParser.wantsCde(List.of("self-hosted", "k8s"))).isFalse();
    assertThat(LabelSpecParser.wantsCde(List.of("cde-serverless-gpu"))).isFalse();
    assertThat(LabelSpecParser.wantsCde(List.of("cpu=4"))).isFalse();
    assertThat(LabelSpecParser.wantsCde(List.of())).isFalse();
    assertThat(LabelSpecParser.wantsCde(null)).isFalse();
  }

  @Test
  void bareLabelGetsTheDefaults() {
    assertThat(LabelSpecParser.parse(List.of("cde-serverless"))).isEqualTo(JobSpec.DEFAULTS);
    assertThat(LabelSpecParser.parse(List.of("self-hosted", "cde-serverless"))).isEqualTo(JobSpec.DEFAULTS);
  }

  @Test
  void listFormFromTheIssue() {
    JobSpec spec = LabelSpecParser.parse(
        List.of("cde-serverless", "cpu=4", "mem=16g", "gpu=t4", "template=pytorch", "timeout=30m"));
    assertThat(spec).isEqualTo(new JobSpec(4, 16384, "t4", 1, "pytorch", Duration.ofMinutes(30), null));
  }

  @Test
  void oneLabelFormEqualsTheListForm() {
    assertThat(LabelSpecParser.parse(List.of("cde-serverless/cpu=4/mem=16g/gpu=t4")))
        .isEqualTo(LabelSpecParser.parse(List.of("cde-serverless", "cpu=4", "mem=16g", "gpu=t4")));
  }

  @Test
  void formsMixAndRunIdIsKept() {
    JobSpec spec = LabelSpecParser.parse(List.of("self-hosted", "cde-serverless/gpu=a100:2", "cde-run=1234567890"));
    assertThat(spec.gpuType()).isEqualTo("a100");
    assertThat(spec.gpuCount()).isEqualTo(2);
    assertThat(spec.runId()).isEqualTo("1234567890");
  }

  @Test
  void configuredDefaultsFillTheGaps() {
    JobSpec defaults = new JobSpec(2, 4096, null, 0, "base", Duration.ofMinutes(90), null);
    assertThat(LabelSpecParser.parse(List.of("cde-serverless", "cpu=8"), defaults))
        .isEqualTo(new JobSpec(8, 4096, null, 0, "base", Duration.ofMinutes(90), null));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "cde-serverless;cpu=0.25          | 0.25 | 2048   | -    | 0 | default | 3600",
      "cde-serverless;cpu=64            | 64   | 2048   | -    | 0 | default | 3600",
      "cde-serverless;cpu=1.5;mem=128m  | 1.5  | 128    | -    | 0 | default | 3600",
      "cde-serverless;mem=256g          | 1    | 262144 | -    | 0 | default | 3600",
      "cde-serverless;mem=512mi         | 1    | 512    | -    | 0 | default | 3600",
      "cde-serverless;mem=2Gi           | 1    | 2048   | -    | 0 | default | 3600",
      "cde-serverless;gpu=h100:8        | 1    | 2048   | h100 | 8 | default | 3600",
      "cde-serverless;gpu=ada           | 1    | 2048   | ada  | 1 | default | 3600",
      "cde-serverless;gpu=L4            | 1    | 2048   | l4   | 1 | default | 3600",
      "cde-serverless;gpu=a10:1         | 1    | 2048   | a10  | 1 | default | 3600",
      "cde-serverless;template=my.img_2-x | 1  | 2048   | -    | 0 | my.img_2-x | 3600",
      "cde-serverless;timeout=10s       | 1    | 2048   | -    | 0 | default | 10",
      "cde-serverless;timeout=24h       | 1    | 2048   | -    | 0 | default | 86400",
      "cde-serverless;timeout=90m       | 1    | 2048   | -    | 0 | default | 5400",
      "CDE-SERVERLESS/CPU=2/TIMEOUT=1H  | 2    | 2048   | -    | 0 | default | 3600",
      "cde-serverless/template=pytorch;self-hosted | 1 | 2048 | - | 0 | pytorch | 3600",
  })
  void goodLabels(String csv, double cpu, long mem, String gpu, int gpus, String template, long timeout) {
    JobSpec spec = LabelSpecParser.parse(labels(csv));
    assertThat(spec).isEqualTo(new JobSpec(cpu, mem, gpu.equals("-") ? null : gpu, gpus, template,
        Duration.ofSeconds(timeout), null));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "cde-serverless;cpu=0.1            | label 'cpu=0.1' is not valid: cpu is a number of vCPUs from 0.25 to 64",
      "cde-serverless;cpu=65             | label 'cpu=65' is not valid: cpu is",
      "cde-serverless;cpu=four           | label 'cpu=four' is not valid: cpu is",
      "cde-serverless;cpu=-1             | label 'cpu=-1' is not valid",
      "cde-serverless;cpu=               | label 'cpu=' is not valid",
      "cde-serverless;mem=16             | label 'mem=16' is not valid: mem is a whole number with a unit m, mi, g or gi",
      "cde-serverless;mem=16x            | label 'mem=16x' is not valid: mem is",
      "cde-serverless;mem=64m            | label 'mem=64m' is not valid",
      "cde-serverless;mem=257g           | label 'mem=257g' is not valid",
      "cde-serverless;mem=1.5g           | label 'mem=1.5g' is not valid",
      "cde-serverless;mem=16gb           | label 'mem=16gb' is not valid",
      "cde-serverless;gpu=v100           | label 'gpu=v100' is not valid: gpu is one of t4, a10, l4, a100, h100, ada",
      "cde-serverless;gpu=t4:0           | label 'gpu=t4:0' is not valid: gpu is",
      "cde-serverless;gpu=t4:9           | label 'gpu=t4:9' is not valid",
      "cde-serverless;gpu=t4:            | label 'gpu=t4:' is not valid",
      "cde-serverless;gpu=               | label 'gpu=' is not valid",
      "cde-serverless;template=-x        | label 'template=-x' is not valid: template is a name",
      "cde-serverless;template=a/b       | label 'template=a/b' is not valid",
      "cde-serverless;template=          | label 'template=' is not valid",
      "cde-serverless;timeout=5s         | label 'timeout=5s' is not valid: timeout is a whole number with a unit s, m or h, from 10s to 24h",
      "cde-serverless;timeout=25h        | label 'timeout=25h' is not valid",
      "cde-serverless;timeout=30         | label 'timeout=30' is not valid",
      "cde-serverless;timeout=1d         | label 'timeout=1d' is not valid",
      "cde-serverless;cde-run=abc        | label 'cde-run=abc' is not valid: cde-run is the workflow run's id",
      "cde-serverless;disk=10g           | label 'disk=10g' has the unknown key 'disk': the keys are cpu, mem, gpu, template, timeout, cde-run",
      "cde-serverless;memory=4g          | label 'memory=4g' has the unknown key 'memory'",
      "cde-serverless;cpu=2;cpu=4        | label 'cpu=4' sets cpu again (already set by 'cpu=2'): give each key once",
      "cde-serverless/cpu=2;cpu=4        | label 'cpu=4' sets cpu again (already set by 'cde-serverless/cpu=2')",
      "cde-serverless/cpu=2/cpu=2        | sets cpu again",
      "cde-serverless;ubuntu-latest      | label 'ubuntu-latest' is not understood: a cde job's labels are 'cde-serverless', 'self-hosted' and key=value labels",
      "cde-serverless;linux              | label 'linux' is not understood",
      "cde-serverless//cpu=2             | label 'cde-serverless//cpu=2' has an empty part between '/'",
      "cde-serverless/cpu=2/             | has an empty part",
      "cde-serverless/                   | has an empty part",
      "cde-serverless/gpu                | label 'cde-serverless/gpu' is not understood",
      "ubuntu-latest                     | do not ask for cde: add the label 'cde-serverless'",
  })
  void badLabelsNameTheLabelAndWhatIsAllowed(String csv, String message) {
    assertThatThrownBy(() -> LabelSpecParser.parse(labels(csv)))
        .isInstanceOf(LabelException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "mem", "gpu", "template", "timeout", "cde-run"})
  void everyKeyHasAnExampleInItsMessage(String key) {
    assertThatThrownBy(() -> LabelSpecParser.parse(List.of("cde-serverless", key + "=?")))
        .hasMessageContaining("e.g. " + key + "=");
  }
}
