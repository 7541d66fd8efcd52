package dev.cde.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.cde.tunnel.Channel;
import dev.cde.tunnel.TunnelClient;
import dev.cde.tunnel.TunnelOptions;
import dev.cde.tunnel.TunnelSession;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bridge under load (docs/benchmarks.md, "Load"), against the packaged bridge as a real process on its embedded
 * defaults (H2, the local provider, a NAS under its own CDE_HOME) with GitHub played by WireMock:
 * <ol>
 *   <li>webhooks: {@code deliveries} signed {@code workflow_job} deliveries for deliveries/8 jobs, each job's eight
 *   being: queued, the same delivery re-sent (same {@code X-GitHub-Delivery}), queued again under a new delivery id
 *   (a second hook); after its runner is up: in_progress twice (one re-sent), completed twice (one re-sent), and a
 *   stale queued under a new delivery id after the job completed. Prints the latency of each delivery's answer,
 *   launches per job id (JIT configs GitHub was asked for, by runner name, and the bridge's runners by job), the
 *   bridge's memory, and the memory per instance (agent JVM, sandbox and runner: every process below the bridge);
 *   <li>sessions: as many sessions as asked for (fewer when the machine's free memory cannot hold them at the
 *   measured size, which it then says), each created through the API and running {@code seq 1 N} on an exec channel
 *   relayed by the bridge, all streaming at once, as {@code cde run} does; every line is checked, in order.
 * </ol>
 * Usage: LoadBench ROOT [deliveries, 1000] [sessions, 200] [lines per session, 10000]
 */
public final class LoadBench {
  private static final String SECRET = "bench-webhook-secret-" + UUID.randomUUID();
  private static final String GITHUB_TOKEN = "ghs_benchInstallationToken" + Long.toString(System.nanoTime(), 36);
  private static final long GIB = 1L << 30;
  /** Memory left to the rest of the machine (the bridge's growth, the page cache, other work). */
  private static final long RESERVE = 3 * GIB;

  private final Path root;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final WireMockServer github = new WireMockServer(options().dynamicPort().containerThreads(64)
      .asynchronousResponseEnabled(false));
  private Process bridge;
  private Path home;
  private String url;
  private String apiToken;

  private LoadBench(Path root) {
    this.root = root;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: LoadBench ROOT [deliveries] [sessions] [lines]");
      System.exit(2);
    }
    int deliveries = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int sessions = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int lines = args.length > 3 ? Integer.parseInt(args[3]) : 10000;
    LoadBench b = new LoadBench(Path.of(args[0]).toAbsolutePath().normalize());
    int failures;
    try {
      b.start();
      failures = b.webhooks(deliveries / 8);
      failures += b.sessions(sessions, lines);
      System.out.printf(Locale.ROOT, "bridge at the end: %s%n", b.memory());
    } finally {
      b.stop();
    }
    System.out.println(failures == 0 ? "OK: no duplicate launch, no lost or reordered line"
        : "FAILED: " + failures + " problem(s), see above");
    System.exit(failures == 0 ? 0 : 1);
  }

  // ---- the bridge and its fake GitHub ----

  private void start() throws Exception {
    github.start();
    // GitHub's answers for any repository. A runner id per JIT config, as GitHub gives; the config tells the
    // stand-in runner "run 1, attempt 1, idle": it waits for a job until the bridge ends its session.
    String jit = Base64.getEncoder().encodeToString("1 1 idle".getBytes(StandardCharsets.UTF_8));
    github.stubFor(post(urlPathMatching("/repos/[^/]+/[^/]+/actions/runners/generate-jitconfig"))
        .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
            .withBody("{\"runner\":{\"id\":{{randomInt lower=1 upper=2000000000}},\"name\":\"{{jsonPath request.body '$.name'}}\","
                + "\"os\":\"linux\",\"status\":\"offline\",\"busy\":false,\"labels\":[]},\"encoded_jit_config\":\"" + jit + "\"}")
            .withTransformers("response-template")));
    github.stubFor(get(urlPathMatching("/repos/[^/]+/[^/]+/actions/runners")).willReturn(
        okJson("{\"total_count\":0,\"runners\":[]}")));
    github.stubFor(delete(urlPathMatching("/repos/[^/]+/[^/]+/actions/runners/\\d+"))
        .willReturn(aResponse().withStatus(204)));
    github.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json").withBody("{\"message\":\"Not Found\"}")));

    home = Files.createTempDirectory("cde-load-bench");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    url = "http://127.0.0.1:" + port;
    List<String> cmd = new ArrayList<>(List.of("java", "-Dquarkus.http.port=" + port, "-Dcde.root=" + root,
        "-Dcde.github.api-url=" + github.baseUrl(),
        "-Dcde.github.runners.command=sh," + root.resolve("runner-bridge/src/test/resources/stand-in-runner.sh"),
        "-Dcde.github.runners.reconcile-every=off",
        "-Dcde.github.runners.completed-grace=1s",
        "-Dcde.github.runners.max-per-repository=1000",
        "-jar", root.resolve("runner-bridge/target/quarkus-app/quarkus-run.jar").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(home.resolve("bridge.log").toFile());
    pb.environment().put("CDE_HOME", home.toString());
    // Secrets reach the bridge in its environment, as an operator's would (never on a command line).
    pb.environment().put("CDE_GITHUB_TOKEN", GITHUB_TOKEN);
    pb.environment().put("CDE_GITHUB_WEBHOOK_SECRET", SECRET);
    pb.environment().remove("CDE_API_TOKEN");
    bridge = pb.start();
    Process started = bridge;
    // An interrupted run (Ctrl-C) takes its bridge, and so its instances, with it.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> started.destroy()));
    await("the bridge to answer /q/health", Duration.ofSeconds(120), () -> http.send(HttpRequest.newBuilder(URI.create(url + "/q/health")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    apiToken = Files.readString(home.resolve("api-token")).strip();
    System.out.printf(Locale.ROOT, "cde load benchmark: %d cpus, %d GiB, %s; bridge pid %d, fresh: %s%n",
        Runtime.getRuntime().availableProcessors(), Math.round(memTotal() / (double) GIB),
        System.getProperty("java.runtime.version"), bridge.pid(), memory());
  }

  private void stop() throws Exception {
    if (bridge != null) {
      bridge.destroy();
      if (!bridge.waitFor(30, TimeUnit.SECONDS)) {
        bridge.destroyForcibly();
      }
    }
    github.stop();
    if (home != null && !Boolean.getBoolean("cde.bench.keep")) {
      try (var walk = Files.walk(home)) {
        walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    } else if (home != null) {
      System.out.println("kept " + home);
    }
  }

  // ---- phase 1: webhooks ----

  private record Delivery(String id, String action, long job, String repo, byte[] body) {
  }

  private int webhooks(int jobs) throws Exception {
    Random rnd = new Random(7);
    long base = 9_000_000_000L + rnd.nextInt(1_000_000);
    List<Delivery> wave1 = new ArrayList<>();
    List<List<Delivery>> wave2 = new ArrayList<>();
    for (int j = 0; j < jobs; j++) {
      long job = base + j;
      String repo = "bench/repo-" + (j % 5);
      Delivery q = delivery(UUID.randomUUID().toString(), "queued", job, repo, null);
      wave1.add(q);
      wave1.add(q); // GitHub's redelivery: the same delivery id
      wave1.add(delivery(UUID.randomUUID().toString(), "queued", job, repo, null)); // a second hook
      String runner = "cde-" + job + "-1";
      Delivery ip = delivery(UUID.randomUUID().toString(), "in_progress", job, repo, runner);
      Delivery done = delivery(UUID.randomUUID().toString(), "completed", job, repo, runner);
      wave2.add(List.of(ip, ip, done, done, delivery(UUID.randomUUID().toString(), "queued", job, repo, null)));
    }
    Collections.shuffle(wave1, rnd);
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger refused = new AtomicInteger();
    ExecutorService senders = Executors.newFixedThreadPool(16);
    long t0 = System.nanoTime();
    List<Future<?>> sent = new ArrayList<>();
    for (Delivery d : wave1) {
      sent.add(senders.submit(() -> send(d, latencies, refused)));
    }
    for (Future<?> f : sent) {
      f.get();
    }
    double wave1Seconds = (System.nanoTime() - t0) / 1e9;
    List<Long> wave1Latencies = new ArrayList<>(latencies);
    // Every job's runner must be up (its session running) before GitHub would send in_progress.
    long launchStart = System.nanoTime();
    await(jobs + " runners to be idle", Duration.ofMinutes(10), () -> runnersIn("idle") >= jobs);
    double launchSeconds = (System.nanoTime() - t0) / 1e9;
    String peak = memory();
    Instances instances = instances();
    sent.clear();
    long t2 = System.nanoTime();
    for (List<Delivery> perJob : wave2) {
      sent.add(senders.submit(() -> perJob.forEach(d -> send(d, latencies, refused)))); // in order per job
    }
    for (Future<?> f : sent) {
      f.get();
    }
    double wave2Seconds = (System.nanoTime() - t2) / 1e9;
    senders.shutdown();
    await("every runner's session to end", Duration.ofMinutes(5), () -> activeSessions() == 0);
    Thread.sleep(3000); // a launch the stale queued deliveries would (wrongly) cause has time to show
    int problems = refused.get();

    // Launches per job: the JIT configs GitHub was asked for, by the job id in the runner's name
    // (cde-<job>-<attempt>, and -<n> for a later runner of the same job) ...
    Map<String, Integer> jitByJob = new HashMap<>();
    int jitConfigs = 0;
    for (ServeEvent e : github.getAllServeEvents()) {
      if (e.getRequest().getUrl().endsWith("/generate-jitconfig")) {
        String name = Json.MAPPER.readTree(e.getRequest().getBodyAsString()).path("name").asText();
        jitByJob.merge(name.split("-")[1], 1, Integer::sum);
        jitConfigs++;
      }
    }
    // ... and the runners the bridge recorded, by the job they were started for.
    Map<Long, Integer> runnersByJob = new HashMap<>();
    Map<Long, List<JsonNode>> runnersOfJob = new HashMap<>();
    for (JsonNode r : api("/api/v1/github/runners?limit=1000")) {
      runnersByJob.merge(r.path("forJobId").asLong(), 1, Integer::sum);
      runnersOfJob.computeIfAbsent(r.path("forJobId").asLong(), k -> new ArrayList<>()).add(r);
    }
    // A second runner for a job is a duplicate launch when both were alive at once; one started after the first
    // ended (its instance died) is a replacement, which the bridge is meant to make.
    int concurrent = 0;
    Map<String, Integer> replacedBecause = new HashMap<>();
    for (List<JsonNode> rs : runnersOfJob.values()) {
      rs.sort(java.util.Comparator.comparing(r -> r.path("createdAt").asText()));
      for (int i = 1; i < rs.size(); i++) {
        JsonNode before = rs.get(i - 1);
        if (before.path("updatedAt").asText().compareTo(rs.get(i).path("createdAt").asText()) > 0) {
          concurrent++;
        } else {
          replacedBecause.merge(before.path("detail").asText(), 1, Integer::sum);
        }
      }
    }
    long jobsWithOneJit = jitByJob.values().stream().filter(n -> n == 1).count();
    long duplicateJit = jitByJob.values().stream().filter(n -> n > 1).count();
    long duplicateRunners = runnersByJob.values().stream().filter(n -> n > 1).count();
    int sessionsMade = api("/api/v1/sessions?limit=1000").size();
    problems += concurrent + (runnersByJob.size() == jobs ? 0 : 1);

    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    List<Long> first = new ArrayList<>(wave1Latencies);
    Collections.sort(first);
    List<Long> second = new ArrayList<>(latencies.subList(wave1Latencies.size(), latencies.size()));
    Collections.sort(second);
    System.out.printf(Locale.ROOT, "webhooks: %d deliveries for %d jobs (%d distinct delivery ids), 16 senders%n",
        sorted.size(), jobs, jobs * 6);
    System.out.printf(Locale.ROOT, "  answer latency  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms;"
        + " non-2xx answers %d%n", ms(sorted, 0.50), ms(sorted, 0.90), ms(sorted, 0.99), ms(sorted, 1.0), refused.get());
    System.out.printf(Locale.ROOT, "  wave 1 (queued, while the bridge starts %d agents)  p50 %.1f ms  p99 %.1f ms;"
        + " wave 2 (in_progress/completed, while their sessions end)  p50 %.1f ms  p99 %.1f ms%n", jobs, ms(first, 0.5),
        ms(first, 0.99), ms(second, 0.5), ms(second, 0.99));
    System.out.printf(Locale.ROOT, "  wave 1 (%d queued) sent in %.1f s; all %d runners idle %.1f s after the first"
        + " delivery; wave 2 (%d) sent in %.1f s%n", wave1.size(), wave1Seconds, jobs, launchSeconds,
        jobs * 5, wave2Seconds);
    System.out.printf(Locale.ROOT, "  launches: %d JIT configs asked of GitHub for %d jobs: %d jobs once, %d more than"
        + " once; the bridge's runners: %d jobs, %d with more than one; sessions made %d (expected %d)%n",
        jitConfigs, jitByJob.size(), jobsWithOneJit, duplicateJit, runnersByJob.size(), duplicateRunners, sessionsMade,
        jobs);
    System.out.printf(Locale.ROOT, "  duplicate launches (two runners of one job alive at once): %d; replacements after"
        + " a runner's instance died: %d %s%n", concurrent, replacedBecause.values().stream().mapToInt(i -> i).sum(),
        replacedBecause);
    System.out.printf(Locale.ROOT, "  bridge with %d runners up: %s%n", jobs, peak);
    System.out.printf(Locale.ROOT, "  per instance (agent JVM + sandbox + stand-in runner): %s%n", instances);
    perInstance = instances.rssPerInstance();
    return problems;
  }

  private long perInstance;

  private Delivery delivery(String id, String action, long job, String repo, String runner) throws IOException {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("action", action);
    ObjectNode j = root.putObject("workflow_job");
    j.put("id", job);
    j.put("run_id", job + 1_000_000L);
    j.put("run_attempt", 1);
    j.put("name", "build");
    j.put("status", action);
    j.put("runner_name", runner);
    j.put("head_branch", "main");
    j.putArray("labels").add("cde-serverless").add("cpu=1").add("mem=1g");
    ObjectNode r = root.putObject("repository");
    r.put("full_name", repo);
    r.put("private", true);
    r.put("default_branch", "main");
    return new Delivery(id, action, job, repo, Json.MAPPER.writeValueAsBytes(root));
  }

  private void send(Delivery d, List<Long> latencies, AtomicInteger refused) {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/github/webhook"))
        .header("Content-Type", "application/json").header("X-GitHub-Event", "workflow_job")
        .header("X-GitHub-Delivery", d.id()).header("X-Hub-Signature-256", sign(d.body()))
        .POST(HttpRequest.BodyPublishers.ofByteArray(d.body())).build();
    long t = System.nanoTime();
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      latencies.add(System.nanoTime() - t);
      if (r.statusCode() / 100 != 2) {
        refused.incrementAndGet();
        System.out.println("  delivery " + d.id() + " (" + d.action() + " of job " + d.job() + ") answered "
            + r.statusCode() + ": " + r.body());
      }
    } catch (Exception e) {
      refused.incrementAndGet();
      System.out.println("  delivery " + d.id() + " failed: " + e);
    }
  }

  private static String sign(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private long runnersIn(String state) throws Exception {
    long n = 0;
    for (JsonNode r : api("/api/v1/github/runners?limit=1000")) {
      if (state.equals(r.path("state").asText())) {
        n++;
      }
    }
    return n;
  }

  private int activeSessions() throws Exception {
    return api("/api/v1/sessions?state=pending,starting,running,stopping&limit=1000").size();
  }

  // ---- phase 2: sessions streaming output ----

  private int sessions(int wanted, int lines) throws Exception {
    long available = memAvailable() - RESERVE;
    int fits = perInstance <= 0 ? wanted : (int) Math.max(1, available / perInstance);
    int n = Math.min(wanted, fits);
    System.out.printf(Locale.ROOT, "sessions: %d asked for; %.1f GiB available beyond a %d GiB reserve holds %d at"
        + " %d MiB each: running %d%s%n", wanted, available / (double) GIB, RESERVE / GIB, fits, perInstance >> 20, n,
        n < wanted ? " (NOT the number asked for: the machine cannot hold them)" : "");
    ExecutorService creators = Executors.newFixedThreadPool(8);
    List<Future<String>> made = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      made.add(creators.submit(this::createSession));
    }
    List<String> ids = new ArrayList<>();
    int problems = 0;
    for (Future<String> f : made) {
      try {
        ids.add(f.get());
      } catch (Exception e) {
        problems++;
        System.out.println("  session not started: " + e.getCause());
      }
    }
    creators.shutdown();
    double startSeconds = (System.nanoTime() - t0) / 1e9;
    Instances instances = instances();
    String before = memory();

    Vertx vertx = Vertx.vertx();
    // As TunnelClient.httpClient (masked: the bridge takes clients as any WebSocket server does), but with a WebSocket
    // per session to the one bridge: Vert.x allows 50 per endpoint unless told otherwise.
    io.vertx.core.http.HttpClient ws = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setMaxWebSocketFrameSize(65536).setMaxWebSocketMessageSize(dev.cde.tunnel.codec.FrameCodec.MAX_MESSAGE)
        .setTcpNoDelay(true).setMaxWebSockets(Math.max(50, ids.size())));
    Map<String, Integer> received = new ConcurrentHashMap<>();
    Map<String, String> wrong = new ConcurrentHashMap<>();
    List<CompletableFuture<Integer>> exits = new ArrayList<>();
    List<TunnelSession> tunnels = Collections.synchronizedList(new ArrayList<>());
    String script = "seq 1 " + lines;
    long t1 = System.nanoTime();
    for (String id : ids) {
      CompletableFuture<Integer> exit = new CompletableFuture<>();
      exits.add(exit);
      LineChecker check = new LineChecker(id, received, wrong);
      TunnelClient.connect(vertx, ws, URI.create(url.replaceFirst("^http", "ws") + "/api/v1/sessions/" + id + "/tunnel"),
              Map.of("Authorization", "Bearer " + apiToken), Hello.of("client", "cde-load-bench"), new TunnelOptions())
          .compose(t -> {
            tunnels.add(t);
            return t.open(OpenRequest.exec(List.of("sh", "-c", script), null, null));
          })
          .onSuccess(ch -> {
            ch.handler(b -> check.accept(b.toString(StandardCharsets.UTF_8)));
            ch.exitHandler(s -> exit.complete(s.code() == null ? 125 : s.code()));
          })
          .onFailure(exit::completeExceptionally);
    }
    int badExits = 0;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10); // for all of them together
    for (CompletableFuture<Integer> e : exits) {
      try {
        if (e.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) != 0) {
          badExits++;
        }
      } catch (Exception ex) {
        badExits++;
        System.out.println("  a stream failed: " + ex.getCause());
      }
    }
    double streamSeconds = (System.nanoTime() - t1) / 1e9;
    String during = memory();
    Thread.sleep(500); // output is delivered before EXIT (the protocol says so); this only lets handlers finish
    long complete = ids.stream().filter(id -> received.getOrDefault(id, 0) == lines).count();
    tunnels.forEach(t -> t.close("done"));
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    ExecutorService enders = Executors.newFixedThreadPool(8);
    for (String id : ids) {
      enders.submit(() -> http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/sessions/" + id))
          .header("Authorization", "Bearer " + apiToken).DELETE().build(), HttpResponse.BodyHandlers.discarding()));
    }
    enders.shutdown();
    enders.awaitTermination(5, TimeUnit.MINUTES);
    problems += badExits + wrong.size() + (int) (ids.size() - complete);

    long total = (long) lines * ids.size();
    System.out.printf(Locale.ROOT, "  %d sessions running %.1f s after the first request (8 created at a time);"
        + " per instance %s%n", ids.size(), startSeconds, instances);
    System.out.printf(Locale.ROOT, "  %d x %d numbered lines streamed at once in %.1f s (%.0f lines/s through the"
        + " bridge): %d sessions got every line in order, %d lost/reordered, %d non-zero exits%n", ids.size(), lines,
        streamSeconds, total / streamSeconds, complete, wrong.size(), badExits);
    wrong.entrySet().stream().limit(5).forEach(e -> System.out.println("    " + e.getKey() + ": " + e.getValue()));
    System.out.printf(Locale.ROOT, "  bridge with %d sessions up: %s; after streaming: %s%n", ids.size(), before,
        during);
    return problems;
  }

  private String createSession() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/sessions?wait=true"))
        .header("Authorization", "Bearer " + apiToken).header("Content-Type", "application/json")
        .timeout(Duration.ofMinutes(5))
        .POST(HttpRequest.BodyPublishers.ofString("{\"cpu\":1,\"memory\":\"1g\",\"maxDuration\":\"30m\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode s = Json.MAPPER.readTree(r.body());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(r.statusCode() + " " + r.body());
    }
    // ?wait=true answers after cde.session.wait-timeout at the latest; a burst of starts waits its turn longer.
    String id = s.path("id").asText();
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!"RUNNING".equals(s.path("state").asText())) {
      if (s.path("state").asText().matches("ENDED|FAILED") || System.nanoTime() > end) {
        throw new IllegalStateException("session " + id + " did not start: " + s);
      }
      Thread.sleep(500);
      s = api("/api/v1/sessions/" + id);
    }
    return id;
  }

  /** Checks that a session's lines are 1, 2, 3 ... as they arrive, across chunk boundaries. */
  private static final class LineChecker {
    private final String id;
    private final Map<String, Integer> received;
    private final Map<String, String> wrong;
    private final StringBuilder partial = new StringBuilder();
    private int last;

    LineChecker(String id, Map<String, Integer> received, Map<String, String> wrong) {
      this.id = id;
      this.received = received;
      this.wrong = wrong;
    }

    void accept(String chunk) {
      partial.append(chunk);
      int nl;
      while ((nl = partial.indexOf("\n")) >= 0) {
        String line = partial.substring(0, nl);
        partial.delete(0, nl + 1);
        if (!line.equals(Integer.toString(last + 1))) {
          wrong.putIfAbsent(id, "after line " + last + " came '" + line + "'");
        }
        last++;
      }
      received.put(id, last);
    }
  }

  // ---- measurements ----

  private String memory() throws Exception {
    Map<String, Long> st = status(bridge.pid());
    String heap = "";
    try {
      Process p = new ProcessBuilder("jcmd", Long.toString(bridge.pid()), "GC.heap_info").redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      var m = java.util.regex.Pattern.compile("heap\\s+total (?:reserved )?(\\d+)K, (?:committed (\\d+)K, )?used (\\d+)K")
          .matcher(out);
      if (m.find()) {
        long committed = Long.parseLong(m.group(2) != null ? m.group(2) : m.group(1));
        heap = String.format(Locale.ROOT, ", heap used %d MiB of %d MiB committed",
            Long.parseLong(m.group(3)) >> 10, committed >> 10);
      }
    } catch (IOException e) {
      heap = ", heap: no jcmd";
    }
    return String.format(Locale.ROOT, "RSS %d MiB (peak %d MiB), %d threads%s", st.getOrDefault("VmRSS", 0L) >> 10,
        st.getOrDefault("VmHWM", 0L) >> 10, st.getOrDefault("Threads", 0L), heap);
  }

  private record Instances(int agents, long rss) {
    long rssPerInstance() {
      return agents == 0 ? 0 : rss / agents;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d MiB RSS (%d agent JVMs, %d MiB below the bridge in all)",
          rssPerInstance() >> 20, agents, rss >> 20);
    }
  }

  /** Every process below the bridge: per agent, its JVM, its sandbox and what runs in it. */
  private Instances instances() {
    long rss = 0;
    int agents = 0;
    for (ProcessHandle p : bridge.descendants().toList()) {
      try {
        rss += status(p.pid()).getOrDefault("VmRSS", 0L) << 10;
        if (p.info().commandLine().orElse("").contains("cde-agent")
            && p.info().command().orElse("").endsWith("java")) {
          agents++;
        }
      } catch (IOException e) {
        // it ended while we looked
      }
    }
    return new Instances(agents, rss);
  }

  /** Numeric fields of /proc/PID/status, in kB where the kernel says kB. */
  private static Map<String, Long> status(long pid) throws IOException {
    Map<String, Long> out = new HashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      String[] kv = line.split(":\\s+", 2);
      if (kv.length == 2) {
        String v = kv[1].replace(" kB", "").strip();
        if (v.matches("\\d+")) {
          out.put(kv[0], Long.parseLong(v));
        }
      }
    }
    return out;
  }

  private static long memTotal() throws IOException {
    return meminfo("MemTotal");
  }

  private static long memAvailable() throws IOException {
    return meminfo("MemAvailable");
  }

  private static long meminfo(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.replaceAll("\\D+", "")) << 10;
      }
    }
    return 0;
  }

  private static double ms(List<Long> sortedNanos, double q) {
    if (sortedNanos.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sortedNanos.size()) - 1;
    return sortedNanos.get(Math.max(0, Math.min(sortedNanos.size() - 1, i))) / 1e6;
  }

  private JsonNode api(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path))
        .header("Authorization", "Bearer " + apiToken).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
    }
    return Json.MAPPER.readTree(r.body());
  }

  private void await(String what, Duration timeout, Check done) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (!safely(done)) {
      if (!bridge.isAlive()) {
        throw new IllegalStateException("the bridge exited while waiting for " + what + "; its log: "
            + home.resolve("bridge.log"));
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + timeout);
      }
      Thread.sleep(250);
    }
  }

  private static boolean safely(Check c) {
    try {
      return c.get();
    } catch (IOException | RuntimeException e) {
      return false; // the bridge is busy or restarting: asked again next time
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean get() throws Exception;
  }
}
