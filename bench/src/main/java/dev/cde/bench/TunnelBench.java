package dev.cde.bench;

import dev.cde.tunnel.Pipes;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.auth.TunnelTokens;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Throughput of the same bytes over raw loopback TCP, one tunnel channel, eight channels at once and
 * {@code ssh -L}, measured side by side in one run; then echo latency on one channel while another is
 * saturated. The tunnel path is the one {@code cde forward} uses: local socket, tcp channel, real agent
 * process, socket inside the instance. Prints ratios against raw loopback.
 */
public final class TunnelBench {
  private static final int BUF = 64 * 1024;

  public static void main(String[] args) throws Exception {
    String agentJar = null;
    long mib = 256;
    int rounds = 3;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--agent")) {
        agentJar = args[++i];
      } else {
        rest.add(args[i]);
      }
    }
    if (!rest.isEmpty()) {
      mib = Long.parseLong(rest.get(0));
    }
    if (rest.size() > 1) {
      rounds = Integer.parseInt(rest.get(1));
    }
    if (agentJar == null || !new File(agentJar).isFile()) {
      System.err.println("usage: TunnelBench --agent path/to/cde-agent.jar [MiB] [rounds]");
      System.exit(2);
    }
    long bytes = mib << 20;
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    });
    int sink = startSink(pool);
    int echo = startEcho(pool);

    KeyPair keys = TunnelTokens.generateKeyPair();
    int agentPort = freePort();
    ProcessBuilder pb = new ProcessBuilder(agentCommand(agentJar)).inheritIO();
    pb.environment().put("PORT", Integer.toString(agentPort));
    pb.environment().put("CDE_BIND", "127.0.0.1");
    pb.environment().put("CDE_SESSION_ID", "s-bench");
    pb.environment().put("CDE_AGENT_PUBLIC_KEY", TunnelTokens.encodePublicKey(keys.getPublic()));
    Process agent = pb.start();
    Vertx vertx = Vertx.vertx();
    Process ssh = null;
    Process sshd = null;
    try {
      waitForPort(agentPort, Duration.ofSeconds(20));
      TunnelSession tunnel = TunnelClient.connect(vertx, TunnelClient.httpClient(vertx, true),
          URI.create("ws://127.0.0.1:" + agentPort + "/tunnel"),
          Map.of("Authorization", "Bearer " + TunnelTokens.issue(keys.getPrivate(), "s-bench", Duration.ofMinutes(10))),
          Hello.of("bench", "cde-bench"), new TunnelOptions()).toCompletionStage().toCompletableFuture().get();
      int fwdSink = forward(vertx, tunnel, sink);
      // A second tunnel to the same agent: load there shows what the CPU alone costs the echo.
      TunnelSession other = TunnelClient.connect(vertx, TunnelClient.httpClient(vertx, true),
          URI.create("ws://127.0.0.1:" + agentPort + "/tunnel"),
          Map.of("Authorization", "Bearer " + TunnelTokens.issue(keys.getPrivate(), "s-bench", Duration.ofMinutes(10))),
          Hello.of("bench", "cde-bench"), new TunnelOptions()).toCompletionStage().toCompletableFuture().get();
      int fwdSinkOther = forward(vertx, other, sink);
      int fwdEcho = forward(vertx, tunnel, echo);

      int sshPort = -1;
      Path sshDir = Files.createTempDirectory("cde-bench-ssh");
      if (new File("/usr/sbin/sshd").canExecute() && onPath("ssh")) {
        int sshdPort = freePort();
        sshd = startSshd(sshDir, sshdPort);
        waitForPort(sshdPort, Duration.ofSeconds(10));
        sshPort = freePort();
        ssh = new ProcessBuilder("ssh", "-N", "-p", Integer.toString(sshdPort), "-i", sshDir.resolve("id").toString(),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-o", "LogLevel=ERROR", "-L", sshPort + ":127.0.0.1:" + sink, System.getProperty("user.name") + "@127.0.0.1")
            .inheritIO().start();
        waitForPort(sshPort, Duration.ofSeconds(10));
      }

      System.out.printf("cde tunnel benchmark: %d MiB per run, best of %d rounds, %d cpus, %s, unmasked frames (loopback, as the local provider)%n", mib, rounds,
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
      send(sink, 32L << 20, 1, pool); // warm up every path
      send(fwdSink, 32L << 20, 1, pool);
      send(fwdSink, 32L << 20, 8, pool);
      double raw = 0;
      double one = 0;
      double eight = 0;
      double sshL = 0;
      for (int r = 0; r < rounds; r++) {
        raw = Math.max(raw, send(sink, bytes, 1, pool));
        one = Math.max(one, send(fwdSink, bytes, 1, pool));
        eight = Math.max(eight, send(fwdSink, bytes, 8, pool));
        if (sshPort > 0) {
          sshL = Math.max(sshL, send(sshPort, bytes, 1, pool));
        }
      }
      System.out.printf("%-34s %9.1f MiB/s%n", "raw loopback TCP", raw);
      System.out.printf("%-34s %9.1f MiB/s  %.2fx raw%n", "tunnel, 1 tcp channel", one, one / raw);
      System.out.printf("%-34s %9.1f MiB/s  %.2fx raw%n", "tunnel, 8 tcp channels at once", eight, eight / raw);
      if (sshPort > 0) {
        System.out.printf("%-34s %9.1f MiB/s  %.2fx raw; tunnel/ssh = %.2fx%n", "ssh -L (OpenSSH)", sshL, sshL / raw, one / sshL);
      } else {
        System.out.println("ssh -L: skipped (no /usr/sbin/sshd or ssh)");
      }

      double[] idle = echoLatency(fwdEcho, 2000, null, 0, pool);
      double[] loaded = echoLatency(fwdEcho, 2000, pool, fwdSink, pool);
      double[] cpuOnly = echoLatency(fwdEcho, 2000, pool, fwdSinkOther, pool);
      System.out.printf("%-34s p50 %.3f ms  p99 %.3f ms%n", "echo, idle tunnel", idle[0], idle[1]);
      System.out.printf("%-34s p50 %.3f ms  p99 %.3f ms%n", "echo, other channel saturated", loaded[0], loaded[1]);
      System.out.printf("%-34s p50 %.3f ms  p99 %.3f ms%n", "echo, other TUNNEL saturated", cpuOnly[0], cpuOnly[1]);
      tunnel.close("bench done");
    } finally {
      if (ssh != null) {
        ssh.destroy();
      }
      if (sshd != null) {
        sshd.destroy();
      }
      agent.destroy();
      agent.waitFor(5, TimeUnit.SECONDS);
      vertx.close();
    }
    System.exit(0);
  }

  static List<String> agentCommand(String jar) {
    List<String> cmd = new ArrayList<>(List.of("java", "-XX:+UseSerialGC"));
    String extra = System.getenv("CDE_BENCH_AGENT_JVM_OPTS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.addAll(List.of("-jar", jar));
    return cmd;
  }

  /** Sends {@code total} bytes over {@code streams} connections; returns MiB/s. */
  static double send(int port, long total, int streams, ExecutorService pool) throws Exception {
    long each = total / streams;
    List<Future<?>> jobs = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < streams; i++) {
      jobs.add(pool.submit(() -> {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.setTcpNoDelay(true);
          DataOutputStream out = new DataOutputStream(s.getOutputStream());
          out.writeLong(each);
          byte[] buf = new byte[BUF];
          Arrays.fill(buf, (byte) 'x');
          for (long left = each; left > 0; left -= buf.length) {
            out.write(buf, 0, (int) Math.min(buf.length, left));
          }
          out.flush();
          if (s.getInputStream().read() != 1) {
            throw new IOException("sink did not confirm");
          }
        }
        return null;
      }));
    }
    for (Future<?> f : jobs) {
      f.get(10, TimeUnit.MINUTES);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    return (each * streams) / (1024.0 * 1024.0) / secs;
  }

  /** p50 and p99 (ms) of 1-byte round trips; with {@code load}, a bulk transfer runs meanwhile. */
  static double[] echoLatency(int port, int samples, ExecutorService load, int loadPort, ExecutorService pool) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Future<?> bulk = null;
    if (load != null) {
      bulk = load.submit(() -> {
        while (!stop.get()) {
          send(loadPort, 64L << 20, 1, pool);
        }
        return null;
      });
      Thread.sleep(300);
    }
    double[] rtt = new double[samples];
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      for (int i = 0; i < samples; i++) {
        long t0 = System.nanoTime();
        out.write('p');
        out.flush();
        if (in.read() < 0) {
          throw new IOException("echo closed");
        }
        rtt[i] = (System.nanoTime() - t0) / 1e6;
      }
    } finally {
      stop.set(true);
    }
    if (bulk != null) {
      bulk.get(5, TimeUnit.MINUTES);
    }
    Arrays.sort(rtt);
    return new double[] {rtt[samples / 2], rtt[(int) (samples * 0.99)]};
  }

  static int forward(Vertx vertx, TunnelSession tunnel, int target) throws Exception {
    NetServer server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true));
    server.connectHandler(sock -> {
      sock.pause();
      tunnel.open(OpenRequest.tcp("127.0.0.1", target)).onComplete(ar -> {
        if (ar.failed()) {
          sock.close();
          return;
        }
        Pipes.join(ar.result(), sock);
        sock.resume();
      });
    });
    return server.listen().toCompletionStage().toCompletableFuture().get().actualPort();
  }

  static int startSink(ExecutorService pool) throws IOException {
    ServerSocket ss = new ServerSocket(0);
    pool.submit(() -> {
      while (true) {
        Socket s = ss.accept();
        pool.submit(() -> {
          try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            long n = in.readLong();
            byte[] buf = new byte[BUF];
            while (n > 0) {
              int r = in.read(buf, 0, (int) Math.min(buf.length, n));
              if (r < 0) {
                throw new IOException("short stream");
              }
              n -= r;
            }
            s.getOutputStream().write(1);
            s.getOutputStream().flush();
          }
          return null;
        });
      }
    });
    return ss.getLocalPort();
  }

  static int startEcho(ExecutorService pool) throws IOException {
    ServerSocket ss = new ServerSocket(0);
    pool.submit(() -> {
      while (true) {
        Socket s = ss.accept();
        s.setTcpNoDelay(true);
        pool.submit(() -> {
          try (s) {
            s.getInputStream().transferTo(s.getOutputStream());
          }
          return null;
        });
      }
    });
    return ss.getLocalPort();
  }

  static Process startSshd(Path dir, int port) throws Exception {
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host").toString());
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("id").toString());
    Files.copy(dir.resolve("id.pub"), dir.resolve("authorized_keys"));
    Files.writeString(dir.resolve("sshd_config"), String.join("\n",
        "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("host"),
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"), "StrictModes no", "UsePAM no",
        "PidFile " + dir.resolve("sshd.pid"), "PasswordAuthentication no", "") );
    if ("root".equals(System.getProperty("user.name"))) {
      new File("/run/sshd").mkdirs();
    }
    return new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("sshd_config").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
  }

  static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed");
    }
  }

  static boolean onPath(String exe) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(d, exe).canExecute()) {
        return true;
      }
    }
    return false;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void waitForPort(int port, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(20);
      }
    }
    throw new IOException("nothing listens on " + port + " after " + timeout);
  }
}
