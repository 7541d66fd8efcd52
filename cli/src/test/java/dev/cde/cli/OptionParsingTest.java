package dev.cde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OptionParsingTest {

  private static CommandLine.ParseResult parse(String... args) {
    return CdeMain.commandLine(System.err).parseArgs(args);
  }

  private static RunCommand run(String... args) {
    return (RunCommand) parse(args).subcommand().commandSpec().userObject();
  }

  @Test
  void sizingOptionsBecomeTheSessionSpecInTheBridgesNotation() {
    RunCommand r = run("run", "--template", "ollama", "--cpu", "2", "--memory", "4GiB", "--gpu", "T4:2",
        "--max-duration", "30m", "--env", "A=1", "--env", "B=x=y", "--workdir", "/w", "--", "sh", "-c", "exit 7");
    ObjectNode spec = r.sizing.toSpec();
    assertThat(spec.toString())
        .isEqualTo("{\"template\":\"ollama\",\"cpu\":2,\"memory\":\"4g\",\"gpu\":\"t4:2\",\"maxDuration\":\"30m\"}");
    assertThat(r.environment).containsEntry("A", "1").containsEntry("B", "x=y");
    assertThat(r.workdir).isEqualTo("/w");
    assertThat(r.command).containsExactly("sh", "-c", "exit 7");
  }

  @Test
  void aCacheScopeNamesTheRepositoryAndTheRefDefaultingToMain() {
    assertThat(run("run", "--cache-scope", "acme/app", "--", "true").sizing.toSpec().toString()).isEqualTo(
        "{\"cacheScope\":{\"repository\":\"acme/app\",\"ref\":\"refs/heads/main\",\"defaultRef\":\"refs/heads/main\"}}");
    assertThat(run("run", "--cache-scope", "acme/app@refs/heads/fix", "--cache-default-ref", "refs/heads/trunk", "--",
        "true").sizing.toSpec().toString()).isEqualTo("{\"cacheScope\":{\"repository\":\"acme/app\","
            + "\"ref\":\"refs/heads/fix\",\"defaultRef\":\"refs/heads/trunk\"}}");
  }

  @Test
  void omittedOptionsAreLeftOutOfTheSpec() {
    assertThat(run("run", "--", "true").sizing.toSpec().toString()).isEqualTo("{}");
    assertThat(run("run", "--cpu", "0.5", "true").sizing.toSpec().toString()).isEqualTo("{\"cpu\":0.5}");
  }

  @Test
  void theCommandsOwnOptionsNeedNoDoubleDash() {
    assertThat(run("run", "--cpu", "1", "ls", "-l", "--color").command).containsExactly("ls", "-l", "--color");
  }

  @Test
  void sizes() {
    assertThat(Sizes.memory("512m")).isEqualTo("512m");
    assertThat(Sizes.memory("1.5g")).isEqualTo("1536m");
    assertThat(Sizes.memory("2G")).isEqualTo("2g");
    assertThat(Sizes.memory("1024Mi")).isEqualTo("1g");
    assertThat(Sizes.parseBytes("2g")).isEqualTo(2L << 30);
    assertThat(Sizes.duration("1h30m")).isEqualTo("1h30m");
    assertThat(Sizes.gpu("A10")).isEqualTo("a10");
    for (String bad : List.of("4", "4x", "g", "-1g", "100k")) {
      assertThatThrownBy(() -> Sizes.memory(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    for (String bad : List.of("30", "m", "0m", "1.5h", "30 minutes")) {
      assertThatThrownBy(() -> Sizes.duration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    for (String bad : List.of("t4:0", "t4:", ":2", "t4:x", "4t")) {
      assertThatThrownBy(() -> Sizes.gpu(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    for (String bad : List.of("0", "-1", "two", "")) {
      assertThatThrownBy(() -> Sizes.cpu(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void logsOptionsMayComeBeforeOrAfterTheId() {
    LogsCommand l = (LogsCommand) parse("logs", "s-abc", "-f", "--tail", "5").subcommand().commandSpec().userObject();
    assertThat(l.id).isEqualTo("s-abc");
    assertThat(l.follow).isTrue();
    assertThat(l.tail).isEqualTo(5);
    LogsCommand plain = (LogsCommand) parse("logs", "--follow", "s-abc").subcommand().commandSpec().userObject();
    assertThat(plain.follow).isTrue();
    assertThat(plain.tail).isNull();
  }

  @Test
  void aReportIsAskedForByIdByNameOrByGithubJob() {
    ReportCommand byId = (ReportCommand) parse("report", "s-abc", "--json").subcommand().commandSpec().userObject();
    assertThat(byId.which.id).isEqualTo("s-abc");
    assertThat(byId.json).isTrue();
    ReportCommand byName = (ReportCommand) parse("report", "--name", "gitlab-example.com-42").subcommand().commandSpec()
        .userObject();
    assertThat(byName.which.name).isEqualTo("gitlab-example.com-42");
    assertThat(byName.json).isFalse();
    ReportCommand byJob = (ReportCommand) parse("report", "--github-job", "123456").subcommand().commandSpec()
        .userObject();
    assertThat(byJob.which.githubJob).isEqualTo(123456L);
  }

  @Test
  void portMappings() {
    assertThat(PortMapping.parse("2222:22")).isEqualTo(new PortMapping(2222, 22));
    assertThat(PortMapping.parse("0:8080")).isEqualTo(new PortMapping(0, 8080));
    for (String bad : List.of("22", "2222:", ":22", "a:22", "22:b", "70000:22", "22:0", "1:2:3", "-1:22")) {
      assertThatThrownBy(() -> PortMapping.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void badInputExitsTwoWithOneClearLine() {
    for (String[] args : List.of(
        new String[] {"forward", "2222-22"},
        new String[] {"forward", "2222:99999"},
        new String[] {"forward"},
        new String[] {"run", "--memory", "lots", "--", "true"},
        new String[] {"run", "--gpu", "t4:0", "--", "true"},
        new String[] {"run"},
        new String[] {"stop"},
        new String[] {"logs"},
        new String[] {"logs", "s-abc", "--tail", "-1"},
        new String[] {"logs", "s-abc", "--tail", "ten"},
        new String[] {"report"},
        new String[] {"report", "s-abc", "--name", "x"},
        new String[] {"report", "--github-job", "twelve"},
        new String[] {"frobnicate"},
        new String[] {"shell", "--write"},
        new String[] {})) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int code = CdeMain.execute(new PrintStream(buf, true, StandardCharsets.UTF_8), args);
      String err = buf.toString(StandardCharsets.UTF_8);
      assertThat(code).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
      assertThat(err).as(String.join(" ", args)).startsWith("cde: ").hasLineCount(1);
    }
  }
}
