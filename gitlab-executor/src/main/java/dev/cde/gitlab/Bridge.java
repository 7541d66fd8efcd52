package dev.cde.gitlab;

import dev.cde.cli.BridgeClient;
import dev.cde.cli.CliEnv;
import dev.cde.cli.TunnelConnector;
import dev.cde.gitlab.session.JobSessions;

/** The bridge as every stage reaches it: the cli's client and tunnel connector, configured from the runner's env. */
public final class Bridge {
  private final CliEnv cli;
  private final BridgeClient client;

  public Bridge(JobEnv env) {
    this.cli = env.cli();
    this.client = new BridgeClient(cli.bridgeUrl(), cli::apiToken);
  }

  public BridgeClient client() {
    return client;
  }

  public JobSessions sessionsOf(JobEnv env) {
    return new JobSessions(client, env.sessionName());
  }

  /** Starts Vert.x: only run needs a tunnel, so config, prepare and cleanup start faster without it. */
  public TunnelConnector tunnels() {
    return new TunnelConnector(client.base(), cli.apiToken());
  }
}
