package dev.cde.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import java.io.File;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The function image's JRE, made here: function-image/Containerfile's own jlink command with its module
 * list, its class-data archive commands, and its entrypoint, with /opt/cde moved under a temporary
 * directory. The agent must start on that runtime, use the archive, answer /healthz and serve exec, pty and
 * tcp (by host name, so DNS resolution works without java.naming) — what jdeps cannot promise for a
 * shaded jar and a security provider found through the service loader.
 */
class JlinkRuntimeIT {
  static final Path CONTAINERFILE = Path.of(System.getProperty("cde.root", "../.."))
      .resolve("function-image/Containerfile");

  @TempDir
  Path tmp;

  @Test
  void agentRunsOnTheImagesJlinkedRuntime() throws Exception {
    Path jlink = jlink();
    Assumptions.assumeTrue(jlink != null, "no jlink in this JDK or on PATH");
    List<String> instructions = instructions(Files.readString(CONTAINERFILE));
    Path optCde = Files.createDirectories(tmp.resolve("opt/cde"));
    Files.copy(Path.of("target/cde-agent.jar"), optCde.resolve("cde-agent.jar"));

    String modules = instructions.stream().filter(i -> i.startsWith("ARG JRE_MODULES="))
        .map(i -> i.substring("ARG JRE_MODULES=".length())).findFirst().orElseThrow();
    List<String> jlinkCommand = tokens(run(instructions, "jlink ")).stream()
        .map(t -> t.replace("${JRE_MODULES}", modules)).toList();
    exec(relocate(jlinkCommand, jlink.toString()), 120);
    assertThat(optCde.resolve("jre/bin/java")).isExecutable();

    // The image's two class-data commands for the agent: make the archive, then map it with -Xshare:on. (The
    // image makes the cde command's archive the same way; that jar is not built by this module.)
    List<String> agentCds = instructions.stream()
        .filter(i -> i.startsWith("RUN /opt/cde/jre/bin/java ") && i.contains("-jar /opt/cde/cde-agent.jar"))
        .map(i -> i.substring("RUN ".length())).toList();
    assertThat(agentCds).as("the agent's class-data RUN in the Containerfile").hasSize(1);
    for (String command : agentCds.get(0).split(" && ")) {
      exec(relocate(tokens(command), null), 120);
    }
    assertThat(optCde.resolve("cde-agent.jsa")).isNotEmptyFile();

    List<String> entrypoint = new ArrayList<>();
    new JsonArray(run(instructions, "[", "ENTRYPOINT ")).forEach(a -> entrypoint.add((String) a));
    assertThat(entrypoint.get(0)).isEqualTo("/usr/bin/tini");
    List<String> agent = new ArrayList<>(relocate(entrypoint.subList(entrypoint.indexOf("--") + 1, entrypoint.size()),
        null));
    // Which classes came from the agent's archive: logged to a file, so stdout stays the agent's own.
    Path classLog = tmp.resolve("class-load.log");
    agent.add(agent.indexOf("-jar"), "-Xlog:class+load=info:file=" + classLog);

    Vertx vertx = Vertx.vertx();
    try (AgentProcess process = new AgentProcess(agent, Map.of("CDE_IDLE_TIMEOUT_SECONDS", "60"))) {
      HttpURLConnection health = (HttpURLConnection) URI.create("http://127.0.0.1:" + process.port + "/healthz")
          .toURL().openConnection();
      assertThat(health.getResponseCode()).isEqualTo(200);
      assertThat(new String(health.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo("ok");

      TunnelSession s = await(TunnelClient.connect(vertx, TunnelClient.httpClient(vertx),
          URI.create(process.endpoint()), Map.of("Authorization", "Bearer " + process.token()),
          Hello.of("bridge", "jlink-it"), new TunnelOptions()));
      assertThat(await(s.remoteHello()).sessionId()).isEqualTo(process.sessionId);
      assertThat(output(await(s.open(OpenRequest.exec(List.of("sh", "-c", "echo $((6 * 7))"), null, null))), null))
          .isEqualTo("42\n");
      assertThat(output(await(s.open(OpenRequest.pty(List.of("sh"), Map.of(), 80, 24, "xterm"))),
          "test -t 0 && echo tty-$((1 + 1)); exit\n")).contains("tty-2");
      try (ServerSocket server = new ServerSocket(0)) {
        CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
          try (Socket c = server.accept()) {
            return new String(c.getInputStream().readNBytes(4), StandardCharsets.UTF_8);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        Channel tcp = await(s.open(OpenRequest.tcp("localhost", server.getLocalPort())));
        tcp.write(Buffer.buffer("ping"));
        assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
      }
      // What a module missing from the runtime looks like, wherever the agent meets it.
      assertThat(process.log()).doesNotContain("NoClassDefFoundError", "ClassNotFoundException",
          "UnsatisfiedLinkError", "ServiceConfigurationError", "NoSuchAlgorithmException");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertThat(Files.readString(classLog)).contains("dev.cde.agent.AgentServer source: shared objects file (top)");
  }

  /**
   * A channel's whole stdout once it exits, after writing {@code stdin} to it. No EOF: the commands here
   * end by themselves, and an EOF that arrives after the process exited makes the agent log a rejected task.
   */
  static String output(Channel ch, String stdin) throws Exception {
    StringBuffer out = new StringBuffer();
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    ch.handler(b -> out.append(b.toString(StandardCharsets.UTF_8)));
    ch.exitHandler(exit::complete);
    if (stdin != null) {
      ch.write(Buffer.buffer(stdin));
    }
    exit.get(20, TimeUnit.SECONDS);
    return out.toString();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  static Path jlink() {
    Path inJdk = Path.of(System.getProperty("java.home"), "bin", "jlink");
    if (Files.isExecutable(inJdk)) {
      return inJdk;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "jlink");
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** The instructions of a Containerfile, continuation lines joined, comments dropped. */
  static List<String> instructions(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n")) {
      String l = line.strip();
      if (l.startsWith("#") || (l.isEmpty() && current.isEmpty())) {
        continue;
      }
      boolean continued = l.endsWith("\\");
      current.append(continued ? l.substring(0, l.length() - 1).strip() : l).append(' ');
      if (!continued) {
        out.add(current.toString().strip());
        current.setLength(0);
      }
    }
    return out;
  }

  /** The arguments of the one RUN instruction that starts with {@code prefix}. */
  static String run(List<String> instructions, String prefix) {
    return run(instructions, prefix, "RUN ");
  }

  static String run(List<String> instructions, String prefix, String keyword) {
    List<String> found = instructions.stream().filter(i -> i.startsWith(keyword + prefix))
        .map(i -> i.substring(keyword.length())).toList();
    assertThat(found).as("%s%s... in the Containerfile", keyword, prefix).hasSize(1);
    return found.get(0);
  }

  /** Shell words of a simple command: split on spaces, quotes removed (the Containerfile quotes no spaces). */
  static List<String> tokens(String command) {
    return Arrays.stream(command.strip().split(" +")).map(t -> t.replace("\"", "")).toList();
  }

  /** The command with /opt/cde moved under the test's directory, and its program replaced if asked. */
  List<String> relocate(List<String> command, String program) {
    String moved = java.util.regex.Matcher.quoteReplacement(tmp.resolve("opt/cde").toString());
    List<String> out = new ArrayList<>();
    for (String t : command) {
      out.add(t.replaceAll("(^|=)/opt/cde(?=/|$)", "$1" + moved));
    }
    if (program != null) {
      out.set(0, program);
    }
    return out;
  }

  static void exec(List<String> command, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    assertThat(p.exitValue()).as("%s:\n%s", command, out.get(10, TimeUnit.SECONDS)).isZero();
  }
}
