package dev.cde.bridge.provider.local;

import dev.cde.bridge.provider.local.LocalConfig.SandboxMode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** Decides once whether local instances run inside bubblewrap. */
final class Sandbox {
  private static final Logger LOG = Logger.getLogger(Sandbox.class);

  private Sandbox() {
  }

  /** @return true for bubblewrap; throws when {@code bwrap} is required but unusable. */
  static boolean decide(SandboxMode mode, boolean onPath, boolean works) {
    switch (mode) {
      case NONE:
        return false;
      case BWRAP:
        if (!onPath || !works) {
          throw new IllegalStateException("cde.local.sandbox=bwrap but bubblewrap " + (onPath
              ? "does not work here (bwrap --ro-bind / / true failed)" : "is not on PATH") + "; install it or set cde.local.sandbox=auto");
        }
        return true;
      default:
        if (onPath && works) {
          return true;
        }
        LOG.warnf("local instances run WITHOUT a sandbox: bubblewrap %s (set cde.local.sandbox=none to silence this)",
            onPath ? "is on PATH but does not work here" : "is not on PATH");
        return false;
    }
  }

  static boolean bwrapOnPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "bwrap"))) {
        return true;
      }
    }
    return false;
  }

  /** Some containers forbid the namespaces bubblewrap needs; only trying tells. */
  static boolean bwrapWorks() {
    try {
      Process p = new ProcessBuilder("bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    } 
  }
}
