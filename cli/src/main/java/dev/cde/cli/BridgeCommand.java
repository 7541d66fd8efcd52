package dev.cde.cli;

import io.vertx.core.buffer.Buffer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/** What every command that talks to the bridge shares: where it is, the token, our stdout and stderr. */
abstract class BridgeCommand {
  /** Unbuffered stdout/stderr: remote bytes go out exactly as they came, with nothing held back. */
  static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);
  static final OutputStream ERR = new FileOutputStream(FileDescriptor.err);

  final CliEnv env = CliEnv.system();
  final PrintStream err = System.err;

  /** A client for the configured bridge; with {@code autostart}, starts the embedded bridge if none answers. */
  BridgeClient client(boolean autostart) {
    BridgeClient c = new BridgeClient(env.bridgeUrl(), env::apiToken);
    if (autostart) {
      EmbeddedBridge.ensureRunning(env, c, err);
    }
    return c;
  }

  TunnelConnector connector(BridgeClient c) {
    return new TunnelConnector(c.base(), env.apiToken());
  }

  /** Writes remote output; called on the event loop, so credit goes back only once the bytes are out. */
  static void write(OutputStream out, Buffer b) {
    try {
      out.write(b.getBytes());
    } catch (IOException e) {
      // our reader went away (e.g. `| head`): drop the rest, like a shell pipeline would
    }
  }
}
