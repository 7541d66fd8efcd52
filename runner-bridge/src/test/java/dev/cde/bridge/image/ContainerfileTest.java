package dev.cde.bridge.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.github.runners.RunnersConfig;
import dev.cde.bridge.provider.AgentJvm;
import io.smallrye.config.WithDefault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What function-image/Containerfile promises, read without a container engine: the runner pinned and checked
 * where the bridge looks for it, jobs as a non-root user, and the agent started exactly as the local provider
 * starts it. (That the module list runs the agent is JlinkRuntimeIT's, in the agent module.)
 */
class ContainerfileTest {
  static final Path JAR = Path.of("/opt/cde/cde-agent.jar");

  @Test
  void runnerIsPinnedToOneVersionAndItsPublishedChecksum() throws Exception {
    Map<String, String> args = Containerfile.read().args();
    assertThat(args.get("RUNNER_VERSION")).matches("2\\.\\d{3}\\.\\d+");
    assertThat(args.get("RUNNER_SHA256")).matches("[0-9a-f]{64}");
    // update-runner.sh rewrites exactly these lines; each must be there once.
    String text = Files.readString(Containerfile.FILE);
    assertThat(text.lines().filter(l -> l.startsWith("ARG RUNNER_VERSION="))).hasSize(1);
    assertThat(text.lines().filter(l -> l.startsWith("ARG RUNNER_SHA256="))).hasSize(1);
  }

  @Test
  void tarballIsCheckedBeforeItIsUnpackedAndComesFromWhereUpdateRunnerLooks() throws Exception {
    String run = Containerfile.read().all("RUN").stream().filter(r -> r.contains("actions-runner-linux-x64-"))
        .findFirst().orElseThrow();
    assertThat(run).contains("${RUNNER_BASE_URL}/v${RUNNER_VERSION}/actions-runner-linux-x64-${RUNNER_VERSION}.tar.gz");
    assertThat(run).contains("echo \"${RUNNER_SHA256}  runner.tar.gz\" | sha256sum -c -");
    assertThat(run.indexOf("sha256sum -c")).isLessThan(run.indexOf("tar -xzf"));

    String script = Files.readString(Containerfile.DIR.resolve("update-runner.sh"));
    assertThat(script).contains("base_url=${RUNNER_BASE_URL:-" + Containerfile.read().args().get("RUNNER_BASE_URL") + "}")
        .contains("$base_url/v$version/$name").contains("name=\"actions-runner-linux-x64-$version.tar.gz\"")
        .contains("s/^ARG RUNNER_VERSION=.*/").contains("s/^ARG RUNNER_SHA256=.*/");
  }

  @Test
  void runnerIsWhereTheBridgesDefaultCommandLooks() throws Exception {
    String command = RunnersConfig.class.getMethod("command").getAnnotation(WithDefault.class).value();
    assertThat(command).isEqualTo("/opt/actions-runner/run.sh");
    String dir = Path.of(command).getParent().toString();
    Containerfile image = Containerfile.read();
    assertThat(image.all("RUN")).anySatisfy(r -> assertThat(r).contains("tar -xzf runner.tar.gz -C " + dir));
    assertThat(image.finalStage().all("COPY")).contains("--from=runner --chown=runner:runner " + dir + " " + dir);
  }

  @Test
  void jobsRunAsTheNonRootUserRunner() throws Exception {
    Containerfile image = Containerfile.read().finalStage();
    List<String> users = image.all("USER");
    assertThat(users).isNotEmpty();
    assertThat(users.get(users.size() - 1)).isEqualTo("runner");
    assertThat(image.all("RUN")).anySatisfy(r -> assertThat(r).contains("useradd --create-home --uid 1001"));
    // Non-root on purpose, so the runner's own refusal of root must not be switched off.
    assertThat(Files.readString(Containerfile.FILE)).doesNotContain("RUNNER_ALLOW_RUNASROOT=");
  }

  @Test
  void entrypointStartsTheAgentUnderTiniAsTheLocalProviderDoes() throws Exception {
    List<String> entrypoint = Containerfile.read().entrypoint();
    assertThat(entrypoint.subList(0, 3)).containsExactly("/usr/bin/tini", "-s", "--");
    assertThat(entrypoint.subList(3, entrypoint.size()))
        .isEqualTo(AgentJvm.command("/opt/cde/jre/bin/java", JAR, AgentJvm.archiveOf(JAR)));
  }

  @Test
  void classDataArchiveIsMadeInTheImageByItsJreUnderTheSameFlags() throws Exception {
    String flags = String.join(" ", AgentJvm.FLAGS);
    String run = Containerfile.read().finalStage().all("RUN").stream()
        .filter(r -> r.contains("-XX:ArchiveClassesAtExit=")).findFirst().orElseThrow();
    assertThat(run).contains("/opt/cde/jre/bin/java " + flags + " -XX:ArchiveClassesAtExit=" + AgentJvm.archiveOf(JAR))
        .contains("-jar " + JAR + " --cds-training")
        .contains("/opt/cde/jre/bin/java " + flags + " -XX:SharedArchiveFile=" + AgentJvm.archiveOf(JAR) + " -Xshare:on");
  }

  @Test
  void theCdeCommandStartsWithAClassDataArchiveMadeInTheImageUnderItsOwnFlags() throws Exception {
    String jvm = "/opt/cde/jre/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
    List<String> runs = Containerfile.read().finalStage().all("RUN");
    String launcher = runs.stream().filter(r -> r.contains("> /usr/local/bin/cde")).findFirst().orElseThrow();
    assertThat(launcher).contains("exec " + jvm + " -XX:SharedArchiveFile=/opt/cde/cde.jsa -Xshare:auto");
    String training = runs.stream().filter(r -> r.contains("-XX:ArchiveClassesAtExit=/opt/cde/cde.jsa")).findFirst()
        .orElseThrow();
    // Made after the jar is in place, by the same JRE and GC, and mapped once with -Xshare:on so a bad one fails.
    assertThat(training).contains(jvm + " -XX:ArchiveClassesAtExit=/opt/cde/cde.jsa")
        .contains("-jar /opt/cde/cde.jar cache cds-training")
        .contains(jvm + " -XX:SharedArchiveFile=/opt/cde/cde.jsa -Xshare:on");
    assertThat(runs.indexOf(training)).isGreaterThan(runs.indexOf(launcher));
  }

  @Test
  void noJvmFlagTurnsCompressedOopsOffOnBigMachines() {
    // With compressed oops off (a heap of 32g and more) the JVM refuses the class-data archive; naming
    // MaxRAM or a RAM percentage lets the heap grow past that on a machine with more than ~128 GiB.
    assertThat(AgentJvm.FLAGS).noneMatch(f -> f.contains("RAMPercentage") || f.contains("MaxRAM")
        || f.contains("RAMFraction") || f.startsWith("-Xmx") || f.contains("MaxHeapSize")
        || f.contains("UseCompressedOops"));
  }

  @Test
  void jreIsJlinkedWithTheAgentsModulesAndABaseArchive() throws Exception {
    Containerfile image = Containerfile.read();
    assertThat(List.of(image.args().get("JRE_MODULES").split(",")))
        .contains("java.base", "java.management", "jdk.unsupported")
        .as("Ed25519 tokens: in Java 17 the SunEC provider is in jdk.crypto.ec, found by no static analysis")
        .contains("jdk.crypto.ec");
    assertThat(image.all("RUN")).anySatisfy(r -> assertThat(r).startsWith("jlink --add-modules \"${JRE_MODULES}\"")
        .contains("--generate-cds-archive").contains("--output /opt/cde/jre"));
  }

  @Test
  void everyStageIsDebian12() throws Exception {
    Containerfile image = Containerfile.read();
    assertThat(image.args().get("DEBIAN")).isIn("debian:bookworm-slim", "debian:12-slim");
    assertThat(image.all("FROM")).allSatisfy(f -> assertThat(f).startsWith("${DEBIAN}"));
  }

  @Test
  void everyDownloadIsCheckedBeforeUse() throws Exception {
    List<String> downloads = Containerfile.read().all("RUN").stream().filter(r -> r.contains("curl ") && r.contains(" -o ")).toList();
    assertThat(downloads).hasSizeGreaterThanOrEqualTo(2); // the Actions runner and gitlab-runner
    assertThat(downloads).allSatisfy(r -> assertThat(r).contains("sha256sum -c"));
  }

  @Test
  void buildContextAdmitsWhatTheContainerfileCopies() throws Exception {
    List<String> ignore = Files.readAllLines(Containerfile.DIR.resolve(".dockerignore"));
    // The sources of each COPY from the context: its words but flags (--chmod=...) and the destination.
    List<String> fromContext = Containerfile.read().all("COPY").stream().filter(c -> !c.startsWith("--from="))
        .flatMap(c -> {
          List<String> words = java.util.Arrays.stream(c.trim().split("\\s+")).filter(w -> !w.startsWith("--")).toList();
          return words.subList(0, words.size() - 1).stream();
        }).toList();
    assertThat(fromContext).contains("agent/target/cde-agent.jar", "nix/nix.conf", "nix/cde-nix-push");
    assertThat(ignore).contains("*");
    assertThat(ignore).as("everything else stays out of the context, but what is copied must be let in")
        .containsAll(fromContext.stream().map(f -> "!" + f).toList());
    // The agent jar is built before the image; everything else it copies is checked in.
    assertThat(fromContext).filteredOn(f -> !f.startsWith("agent/target/"))
        .allSatisfy(f -> assertThat(Containerfile.DIR.resolve(f)).isRegularFile());
  }

  @Test
  void agentDocShowsTheSameCommand() throws Exception {
    String doc = Files.readString(Containerfile.ROOT.resolve("docs/agent.md"));
    assertThat(doc).contains(String.join(" ",
        AgentJvm.command("java", Path.of("cde-agent.jar"), Path.of("cde-agent.jsa"))));
  }
}
