package dev.cde.bridge.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.provider.local.LocalConfig.SandboxMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentCommandLineTest {
  @Test
  void javaAgentCommand() {
    assertThat(AgentCommandLine.javaAgent("/jdk/bin/java", Path.of("/x/cde-agent.jar"))).containsExactly(
        "/jdk/bin/java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-jar", "/x/cde-agent.jar");
  }

  @Test
  void classDataArchiveNextToTheJarIsUsed(@TempDir Path tmp) throws Exception {
    Path jar = Files.createFile(tmp.resolve("cde-agent.jar"));
    Files.createFile(tmp.resolve("cde-agent.jsa"));
    assertThat(AgentCommandLine.javaAgent("java", jar)).containsExactly("java", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Xss512k", "-XX:SharedArchiveFile=" + tmp.resolve("cde-agent.jsa"), "-Xshare:auto",
        "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", jar.toString());
  }

  @Test
  void sandboxedCommandSharesTheNetworkAndKeepsTheControllingTerminal() {
    List<AgentCommandLine.RootEntry> root = List.of(new AgentCommandLine.RootEntry("bin", "usr/bin"),
        new AgentCommandLine.RootEntry("dev", null), new AgentCommandLine.RootEntry("etc", null),
        new AgentCommandLine.RootEntry("proc", null), new AgentCommandLine.RootEntry("tmp", null),
        new AgentCommandLine.RootEntry("usr", null));
    List<String> cmd = AgentCommandLine.sandboxed(List.of("java", "-jar", "a.jar"), Path.of("/h/instances/s-1"),
        Path.of("/h/nas"), root, Path.of("/h"), java.util.Optional.empty());
    assertThat(String.join(" ", cmd)).isEqualTo("bwrap --unshare-pid --unshare-ipc --unshare-uts"
        + " --symlink usr/bin /bin --ro-bind /etc /etc --ro-bind /usr /usr"
        + " --dev /dev --proc /proc --tmpfs /tmp --tmpfs /h --bind /h/instances/s-1 /workspace --ro-bind /h/nas /nas"
        + " --chdir /workspace --setenv HOME /workspace -- java -jar a.jar");
    assertThat(AgentCommandLine.hostRoot()).extracting(AgentCommandLine.RootEntry::name).contains("usr", "etc");
    assertThat(cmd).doesNotContain("--unshare-net", "--unshare-all", "--new-session");
  }

  @Test
  void theCdeCommandIsBoundReadOnlyAtItsOwnPathBeforeTheWorkspace() {
    List<String> cmd = AgentCommandLine.sandboxed(List.of("java", "-jar", "a.jar"), Path.of("/h/instances/s-1"),
        Path.of("/h/nas"), List.of(), Path.of("/h"), java.util.Optional.of(Path.of("/h/instance-tools")));
    assertThat(String.join(" ", cmd)).contains("--tmpfs /h --ro-bind /h/instance-tools /cde --bind /h/instances/s-1");
  }

  @Test
  void agentFilesHiddenBySandboxMountsAreBoundBackOneByOne(@TempDir Path tmp) throws Exception {
    // A checkout under /tmp (where CI may clone) is hidden by the sandbox's own /tmp.
    Path jar = Files.createFile(tmp.resolve("cde-agent.jar"));
    Path jsa = Files.createFile(tmp.resolve("cde-agent.jsa"));
    List<String> agent = List.of("/usr/bin/java", "-XX:SharedArchiveFile=" + jsa, "-jar", jar.toString());
    List<String> cmd = AgentCommandLine.sandboxed(agent, Path.of("/h/instances/s-1"), Path.of("/h/nas"), List.of(),
        Path.of("/h"), java.util.Optional.empty());
    String line = String.join(" ", cmd);
    org.junit.jupiter.api.Assumptions.assumeTrue(tmp.startsWith("/tmp"), "the JVM's temp dir is not under /tmp");
    assertThat(line).contains("--tmpfs /tmp --tmpfs /h --ro-bind " + jsa + " " + jsa + " --ro-bind " + jar + " " + jar
        + " --bind /h/instances/s-1 /workspace");
    assertThat(line).doesNotContain("--ro-bind " + tmp + " ").doesNotContain("--ro-bind /usr/bin/java");
  }

  @Test
  void agentJarIsLookedForUnderCdeRootThenTheWorkingDirectoryAndItsParents(@TempDir Path tmp) throws Exception {
    Path deep = Files.createDirectories(tmp.resolve("a/b/c"));
    List<Path> candidates = AgentCommandLine.builtFileCandidates(AgentCommandLine.AGENT_JAR, null, deep);
    assertThat(candidates).containsExactly(deep.resolve(AgentCommandLine.AGENT_JAR),
        tmp.resolve("a/b").resolve(AgentCommandLine.AGENT_JAR), tmp.resolve("a").resolve(AgentCommandLine.AGENT_JAR),
        tmp.resolve(AgentCommandLine.AGENT_JAR));
    assertThat(AgentCommandLine.findAgentJar(candidates)).isEmpty();
    Path jar = tmp.resolve("a").resolve(AgentCommandLine.AGENT_JAR);
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "");
    assertThat(AgentCommandLine.findAgentJar(candidates)).contains(jar);
    assertThat(AgentCommandLine.builtFileCandidates(AgentCommandLine.AGENT_JAR, "/root", deep).get(0))
        .isEqualTo(Path.of("/root").resolve(AgentCommandLine.AGENT_JAR));
  }

  @Test
  void sandboxSelection() {
    assertThat(Sandbox.decide(SandboxMode.AUTO, true, true)).isTrue();
    assertThat(Sandbox.decide(SandboxMode.AUTO, true, false)).isFalse();
    assertThat(Sandbox.decide(SandboxMode.AUTO, false, false)).isFalse();
    assertThat(Sandbox.decide(SandboxMode.NONE, true, true)).isFalse();
    assertThat(Sandbox.decide(SandboxMode.BWRAP, true, true)).isTrue();
    assertThatThrownBy(() -> Sandbox.decide(SandboxMode.BWRAP, false, false)).hasMessageContaining("not on PATH");
    assertThatThrownBy(() -> Sandbox.decide(SandboxMode.BWRAP, true, false)).hasMessageContaining("does not work");
  }
}
