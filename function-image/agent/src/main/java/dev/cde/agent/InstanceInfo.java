package dev.cde.agent;

import dev.cde.tunnel.message.Hello;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What this instance really has: CPUs, memory (the cgroup limit when there is one) and GPUs. */
final class InstanceInfo {
  private InstanceInfo() {}

  static Hello hello(String sessionId) {
    return new Hello(1, "agent", "cde-agent/" + AgentMain.VERSION, sessionId,
        Runtime.getRuntime().availableProcessors(), memoryBytes(), gpus(), hostname(),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
  }

  static long memoryBytes() {
    long total = meminfoTotal();
    long limit = cgroupLimit();
    return limit > 0 && (total <= 0 || limit < total) ? limit : total;
  }

  private static long meminfoTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or an unusual /proc: fall through
    }
    return Runtime.getRuntime().maxMemory();
  }

  private static long cgroupLimit() {
    for (String p : List.of("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
      try {
        String v = Files.readString(Path.of(p)).strip();
        if (!v.equals("max")) {
          long n = Long.parseLong(v);
          if (n < (1L << 60)) {
            return n;
          }
        }
      } catch (IOException | NumberFormatException e) {
        // no such controller here
      }
    }
    return -1;
  }

  /** GPUs as nvidia-smi reports them; empty when there is no NVIDIA driver. */
  static List<Hello.Gpu> gpus() {
    String smi = onPath("nvidia-smi");
    if (smi == null) {
      return List.of();
    }
    try {
      Process p = new ProcessBuilder(smi, "--query-gpu=name,memory.total,driver_version,uuid",
          "--format=csv,noheader,nounits").redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return List.of();
      }
      return parseNvidiaSmi(out);
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  static List<Hello.Gpu> parseNvidiaSmi(String csv) {
    List<Hello.Gpu> gpus = new ArrayList<>();
    for (String line : csv.split("\n")) {
      String[] f = line.split("\\s*,\\s*");
      if (f.length < 4 || f[0].isBlank()) {
        continue;
      }
      Long mem;
      try {
        mem = Long.parseLong(f[1].strip());
      } catch (NumberFormatException e) {
        mem = null;
      }
      gpus.add(new Hello.Gpu(f[0].strip(), mem, f[2].strip(), f[3].strip()));
    }
    return gpus;
  }

  static String onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, exe);
      if (f.isFile() && f.canExecute()) {
        return f.getPath();
      }
    }
    return null;
  }

  private static String hostname() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return Files.readString(Path.of("/etc/hostname")).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
