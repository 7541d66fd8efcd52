package dev.cde.bridge.provider.local;

import dev.cde.bridge.home.BridgeHome;
import dev.cde.bridge.provider.HeldInstance;
import dev.cde.bridge.provider.Instance;
import dev.cde.bridge.provider.InstanceProvider;
import dev.cde.bridge.provider.InstanceStatus;
import dev.cde.bridge.provider.LaunchRequest;
import dev.cde.bridge.provider.ProviderConfig;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.ProviderLimits;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Instances as child processes of the bridge. The instance id is the session id; each instance has
 * a work dir {@code <cde.home>/instances/<id>} (deleted on stop), and next to it a pid file (so a
 * restarted bridge can tell whether the process still runs) and the agent's log (outside the work
 * dir, so the sandboxed agent cannot rewrite it).
 */
@ApplicationScoped
public class LocalProvider implements InstanceProvider {
  public static final String NAME = "local";
  private static final Logger LOG = Logger.getLogger(LocalProvider.class);
  /** The agent gets only these from the bridge's environment, never the bridge's own secrets. */
  private static final List<String> INHERITED_ENV = List.of("PATH", "LANG", "LC_ALL", "TZ", "JAVA_HOME", "TERM");

  private final LocalConfig config;
  private final BridgeHome home;
  private final Map<String, Process> processes = new ConcurrentHashMap<>();
  /** Ports given to agents that are starting and may not listen yet (reservePort). */
  private final java.util.Set<Integer> reservedPorts = ConcurrentHashMap.newKeySet();
  /** Turns to start an agent (cde.local.max-starting), handed out in order of arrival. */
  private final Semaphore starting;
  /**
   * The one thread that forks agents, alive as long as the bridge. Instances no longer use bubblewrap's
   * {@code --die-with-parent} (they outlive a bridge crash, AgentCommandLine), but that flag is PR_SET_PDEATHSIG,
   * tied to the forking <em>thread</em>: forked from a pooled worker that retired, an instance was killed mid-job
   * (the load benchmark found it, docs/benchmarks.md, "Load"). One long-lived forker keeps that from coming back.
   */
  private final ExecutorService spawner = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cde-local-spawner");
    t.setDaemon(true);
    return t;
  });
  /** Sessions whose launch has not returned: not yet held, so the orphan sweep leaves them alone. */
  private final java.util.Set<String> launching = ConcurrentHashMap.newKeySet();
  private volatile Boolean sandboxed;

  private final Optional<Path> sourceRoot;
  /** The NAS as instances see it: {@code cde.cache.root}, not necessarily under the bridge's home. */
  private final Path nas;
  /** The {@code cde} command on instances' PATH, as in the function image. */
  private final InstanceTools tools;

  @jakarta.inject.Inject
  public LocalProvider(LocalConfig config, BridgeHome home, dev.cde.bridge.home.HomeConfig homeConfig,
      dev.cde.bridge.cache.CacheRoot cacheRoot) {
    this(config, home, homeConfig.root(), cacheRoot.root());
  }

  /** Outside CDI (the provider conformance suite): a home and a NAS of its own, out of the bridge's reconciler's sight. */
  public LocalProvider(LocalConfig config, BridgeHome home, Optional<Path> sourceRoot, Path nas) {
    this.config = config;
    this.home = home;
    this.starting = new Semaphore(Math.max(1, config.maxStarting().orElse(2 * Runtime.getRuntime().availableProcessors())),
        true);
    this.sourceRoot = sourceRoot;
    this.nas = nas;
    this.tools = new InstanceTools(home.root().resolve("instance-tools"),
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  @Override
  public String name() {
    return NAME;
  }

  void onStart(@Observes StartupEvent e, ProviderConfig provider) {
    if (NAME.equals(provider.name())) {
      boolean s = sandboxed();
      LOG.infof("local provider: instances run %s, agent command %s", s ? "in bubblewrap" : "as plain processes",
          agentCommand().map(String::valueOf).orElse("(agent jar not found yet)"));
    }
  }

  boolean sandboxed() {
    if (sandboxed == null) {
      synchronized (this) {
        if (sandboxed == null) {
          boolean onPath = config.sandbox() != LocalConfig.SandboxMode.NONE && Sandbox.bwrapOnPath();
          sandboxed = Sandbox.decide(config.sandbox(), onPath, onPath && Sandbox.bwrapWorks());
        }
      }
    }
    return sandboxed;
  }

  private Optional<List<String>> agentCommand() {
    if (config.agentCommand().isPresent() && !config.agentCommand().get().isEmpty()) {
      return config.agentCommand();
    }
    return agentJar().map(jar -> AgentCommandLine.javaAgent(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), jar));
  }

  private Optional<Path> agentJar() {
    if (config.agentJar().isPresent()) {
      return config.agentJar().map(p -> p.toAbsolutePath().normalize());
    }
    return AgentCommandLine.findAgentJar(agentJarCandidates());
  }

  private List<Path> agentJarCandidates() {
    return AgentCommandLine.builtFileCandidates(AgentCommandLine.AGENT_JAR, sourceRoot.map(Path::toString).orElse(null),
        Path.of(System.getProperty("user.dir")));
  }

  /**
   * The host's memory: an instance is a process on it and cannot have more. CPUs are not limited (the agent's
   * processes share the host's cores, and it reports how many it sees); GPUs are the host's, whatever was asked.
   */
  @Override
  public ProviderLimits limits() {
    long hostMb = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
        .getTotalMemorySize() >> 20;
    return new ProviderLimits(Long.MAX_VALUE, Double.MAX_VALUE, hostMb, Map.of(), true);
  }

  /** The processes this bridge started and those a previous bridge left (found by their pid files). */
  @Override
  public List<HeldInstance> instances() {
    java.util.TreeSet<String> ids = new java.util.TreeSet<>(processes.keySet());
    try (Stream<Path> files = Files.list(home.instances())) {
      files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".pid"))
          .forEach(n -> ids.add(n.substring(0, n.length() - ".pid".length())));
    } catch (IOException | UncheckedIOException e) {
      LOG.warnf("cannot list %s: %s", home.instances(), e.getMessage());
    }
    // An instance still being launched is not held yet: its launcher records it (or stops it) once launch returns,
    // so the orphan sweep must not stop it while its agent starts.
    ids.removeAll(launching);
    // the instance id is the session id
    return ids.stream().map(id -> new HeldInstance(id, id)).toList();
  }

  @Override
  public boolean dialsOut() {
    return config.dialOut();
  }

  @Override
  public Instance launch(LaunchRequest req) throws ProviderException {
    launching.add(req.sessionId());
    try {
      return startInTurn(req);
    } finally {
      launching.remove(req.sessionId());
    }
  }

  private Instance startInTurn(LaunchRequest req) throws ProviderException {
    check(req.spec());
    try {
      starting.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException("interrupted while waiting for a turn to start the agent", e);
    }
    try {
      return start(req);
    } finally {
      starting.release();
    }
  }

  private Instance start(LaunchRequest req) throws ProviderException {
    String id = req.sessionId();
    List<String> agent = agentCommand().orElseThrow(() -> new ProviderException(
        "agent jar not found (looked at " + agentJarCandidates() + "); build function-image/agent or set cde.local.agent-jar"));
    Path workDir = home.instances().resolve(id);
    Path log = logFile(id);
    int port = -1;
    Process process;
    try {
      Files.createDirectories(workDir);
      Files.createDirectories(nas);
      port = reservePort();
      boolean sandbox = sandboxed();
      Optional<Path> toolsBin = tools.refresh(AgentCommandLine.builtFileCandidates(InstanceTools.CLI_JAR,
          sourceRoot.map(Path::toString).orElse(null), Path.of(System.getProperty("user.dir"))));
      List<String> cmd = sandbox ? AgentCommandLine.sandboxed(agent, workDir, nas, AgentCommandLine.hostRoot(),
          home.root(), toolsBin.map(b -> tools.dir())) : agent;
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Map<String, String> env = pb.environment();
      env.keySet().retainAll(INHERITED_ENV);
      env.putAll(req.env());
      env.put("PORT", Integer.toString(port));
      env.put("CDE_BIND", "127.0.0.1");
      env.put("HOME", sandbox ? "/workspace" : workDir.toString());
      env.put("CDE_WORKSPACE", sandbox ? "/workspace" : workDir.toString());
      env.put("CDE_NAS", sandbox ? "/nas" : nas.toString());
      if (toolsBin.isPresent()) {
        String bin = sandbox ? InstanceTools.MOUNT + "/bin" : toolsBin.get().toString();
        env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
      }
      process = spawn(pb);
    } catch (IOException e) {
      deleteTree(workDir);
      reservedPorts.remove(port);
      throw new ProviderException("cannot start the agent: " + e.getMessage(), e);
    }
    processes.put(id, process);
    writePidFile(id, process);
    LOG.infof("session %s: local instance started, pid %d, port %d, log %s", id, process.pid(), port, log);
    try {
      if (config.dialOut()) {
        awaitLogLine(process, "dialing out to", log);
        return Instance.dialingOut(id);
      }
      awaitPort(process, port, log);
    } catch (ProviderException e) {
      stop(id);
      throw e;
    } finally {
      reservedPorts.remove(port); // listening now (the OS hands it to no one else), or given up
    }
    return new Instance(id, URI.create("ws://127.0.0.1:" + port + "/tunnel"));
  }

  private Process spawn(ProcessBuilder pb) throws IOException {
    try {
      return spawner.submit(pb::start).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the agent", e);
    }
  }

  /**
   * Whether what listens on the port is this launch's agent. Another process (another bridge's agent on the same
   * host) may have taken the port the OS called free: the bridge's tunnel then reached a stranger, which refused its
   * token (bench/load.sh on a machine shared with other bridges). The real agent says on its output that it listens;
   * a stand-in given as cde.local.agent-command is taken at its port's word.
   */
  private boolean listeningIsOurs(Path log, int port) {
    if (config.agentCommand().isPresent() && !config.agentCommand().get().isEmpty()) {
      return true;
    }
    try {
      return Files.readString(log, StandardCharsets.UTF_8).contains(" ready on 127.0.0.1:" + port + " ");
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  private void awaitPort(Process process, int port, Path log) throws ProviderException {
    long deadline = System.nanoTime() + config.startTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new ProviderException("agent exited with status " + process.exitValue() + " before listening: "
            + tail(log, 20));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        if (listeningIsOurs(log, port)) {
          return;
        }
        sleep(20);
      } catch (IOException notYet) {
        sleep(20);
      }
    }
    throw new ProviderException("agent did not listen on port " + port + " within " + config.startTimeout()
        + ": " + tail(log, 20));
  }

  /** A dialing agent listens nowhere: it is up once it says it dials (AgentMain), or failed if it exited first. */
  private void awaitLogLine(Process process, String line, Path log) throws ProviderException {
    long deadline = System.nanoTime() + config.startTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      if (tail(log, 50).contains(line)) {
        return;
      }
      if (!process.isAlive()) {
        throw new ProviderException("agent exited with status " + process.exitValue() + " before dialing out: "
            + tail(log, 20));
      }
      sleep(20);
    }
    throw new ProviderException("agent did not start dialing out within " + config.startTimeout() + ": " + tail(log, 20));
  }

  @Override
  public void stop(String instanceId) {
    Process p = processes.remove(instanceId);
    ProcessHandle handle = p != null ? p.toHandle() : livePidFileProcess(instanceId).orElse(null);
    if (handle != null && handle.isAlive()) {
      // bubblewrap does not pass a SIGTERM on to the sandbox: signal the agent (and what it started) itself too.
      handle.descendants().forEach(ProcessHandle::destroy);
      handle.destroy();
      try {
        handle.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception timeoutOrInterrupt) {
        LOG.warnf("session %s: agent did not exit within 5 s of SIGTERM, killing it", instanceId);
        handle.descendants().forEach(ProcessHandle::destroyForcibly);
        handle.destroyForcibly();
        try {
          handle.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // nothing more to do
        }
      }
      LOG.infof("session %s: local instance stopped", instanceId);
    }
    deleteTree(home.instances().resolve(instanceId));
    try {
      Files.deleteIfExists(pidFile(instanceId));
    } catch (IOException e) {
      LOG.warnf("session %s: cannot delete pid file: %s", instanceId, e.getMessage());
    }
  }

  @Override
  public InstanceStatus status(String instanceId) {
    Process p = processes.get(instanceId);
    if (p != null) {
      return p.isAlive() ? InstanceStatus.RUNNING : InstanceStatus.EXITED;
    }
    return livePidFileProcess(instanceId).isPresent() ? InstanceStatus.RUNNING : InstanceStatus.EXITED;
  }

  Path logFile(String id) {
    return home.instances().resolve(id + ".agent.log");
  }

  private Path pidFile(String id) {
    return home.instances().resolve(id + ".pid");
  }

  /** pid and start time: a pid alone may have been reused by an unrelated process. */
  private void writePidFile(String id, Process p) {
    long start = p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
    try {
      Files.writeString(pidFile(id), p.pid() + " " + start + "\n");
    } catch (IOException e) {
      LOG.warnf("session %s: cannot write pid file: %s", id, e.getMessage());
    }
  }

  /** A process started by an earlier bridge, if it still runs the agent. */
  private Optional<ProcessHandle> livePidFileProcess(String id) {
    Path file = pidFile(id);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      String[] parts = Files.readString(file).strip().split(" ");
      long pid = Long.parseLong(parts[0]);
      long start = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .filter(h -> start == 0 || h.info().startInstant().map(i -> i.toEpochMilli() == start).orElse(true))
          .filter(h -> runsAgent(pid));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private boolean runsAgent(long pid) {
    Optional<Path> jar = config.agentCommand().isPresent() ? Optional.empty() : agentJar();
    if (jar.isEmpty()) {
      return true; // a stand-in command: the start time check above has to do
    }
    try {
      String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8);
      return cmdline.contains(jar.get().toString());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A free loopback port no other starting agent was promised. The OS may hand a port it just reported free to the
   * next asker until the agent binds it: two agents started at once got the same port, and the bridge's tunnel for
   * the second reached the first (refused: "token is for another session"), found by bench/load.sh.
   */
  private int reservePort() throws IOException {
    for (int i = 0; i < 100; i++) {
      int p = freeLoopbackPort();
      if (reservedPorts.add(p)) {
        return p;
      }
    }
    throw new IOException("no free loopback port that is not promised to another starting agent");
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<String> last = new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size()));
      return last.isEmpty() ? "(no output)" : String.join("\n", last);
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.warnf("cannot delete %s: %s", dir, e.getMessage());
    }
  }

  private static void sleep(long ms) throws ProviderException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException("interrupted while waiting for the agent", e);
    }
  }
}
