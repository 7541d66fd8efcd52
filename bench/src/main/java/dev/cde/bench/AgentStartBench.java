package dev.cde.bench;

import dev.cde.tunnel.auth.TunnelTokens;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Time from exec of the agent's JVM to its port accepting a connection, as a provider sees it,
 * for the JVM flag sets we could ship; run side by side, medians and maxima printed.
 */
public final class AgentStartBench {
  public static void main(String[] args) throws Exception {
    String jar = args.length > 0 ? args[0] : "function-image/agent/target/cde-agent.jar";
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String jsa = jar.replaceFirst("\\.jar$", ".jsa");
    String key = TunnelTokens.encodePublicKey(TunnelTokens.generateKeyPair().getPublic());
    List<String[]> configs = List.of(
        new String[] {"plain JVM"},
        new String[] {"C1 + SerialGC", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"},
        new String[] {"C1 + SerialGC + AppCDS (shipped)", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:SharedArchiveFile=" + jsa, "-Xshare:auto"});
    if (!new File(jsa).isFile()) {
      System.out.println("note: " + jsa + " is missing; the AppCDS row runs without it");
    }
    long[][] results = new long[configs.size()][runs];
    for (int r = 0; r < runs; r++) {
      for (int c = 0; c < configs.size(); c++) { // interleaved, so drift hits all configs alike
        results[c][r] = startOnce(jar, key, Arrays.copyOfRange(configs.get(c), 1, configs.get(c).length));
      }
    }
    System.out.printf("agent start (exec to port accepting), %d runs each, %d cpus%n", runs,
        Runtime.getRuntime().availableProcessors());
    for (int c = 0; c < configs.size(); c++) {
      long[] t = results[c];
      Arrays.sort(t);
      System.out.printf("%-36s median %4d ms  max %4d ms%n", configs.get(c)[0], t[t.length / 2], t[t.length - 1]);
    }
  }

  static long startOnce(String jar, String key, String[] flags) throws Exception {
    int port = TunnelBench.freePort();
    List<String> cmd = new ArrayList<>(List.of("java"));
    cmd.addAll(Arrays.asList(flags));
    cmd.addAll(List.of("-jar", jar));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("CDE_BIND", "127.0.0.1");
    pb.environment().put("CDE_AGENT_PUBLIC_KEY", key);
    long t0 = System.nanoTime();
    Process p = pb.start();
    try {
      while (true) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          return (System.nanoTime() - t0) / 1_000_000;
        } catch (IOException e) {
          if (!p.isAlive()) {
            throw new IllegalStateException("agent exited with " + p.exitValue());
          }
          Thread.sleep(2);
        }
      }
    } finally {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
