package dev.cde.tunnel.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Body of OPEN. {@code kind} picks the channel type; the other fields belong to one kind each:
 * exec/pty: argv, env, cwd (pty also cols, rows, term); tcp: host, port; pty-attach: target, write.
 * {@code log} (exec): the bridge keeps what the process prints in the session's log, for {@code cde logs} and
 * the dashboard; the agent ignores it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenRequest(
    String kind,
    List<String> argv,
    Map<String, String> env,
    String cwd,
    String host,
    Integer port,
    Integer cols,
    Integer rows,
    String term,
    String target,
    Boolean write,
    Boolean log) {

  public static final String EXEC = "exec";
  public static final String PTY = "pty";
  public static final String TCP = "tcp";
  public static final String PTY_ATTACH = "pty-attach";

  public static OpenRequest exec(List<String> argv, Map<String, String> env, String cwd) {
    return new OpenRequest(EXEC, argv, env, cwd, null, null, null, null, null, null, null, null);
  }

  public static OpenRequest pty(List<String> argv, Map<String, String> env, int cols, int rows, String term) {
    return new OpenRequest(PTY, argv, env, null, null, null, cols, rows, term, null, null, null);
  }

  public static OpenRequest tcp(String host, int port) {
    return new OpenRequest(TCP, null, null, null, host, port, null, null, null, null, null, null);
  }

  public static OpenRequest attach(String target, boolean write) {
    return new OpenRequest(PTY_ATTACH, null, null, null, null, null, null, null, null, target, write, null);
  }

  /** A copy that opens the same thing under another kind's target (used by the bridge's relay). */
  public OpenRequest withTarget(String newTarget) {
    return new OpenRequest(kind, argv, env, cwd, host, port, cols, rows, term, newTarget, write, log);
  }

  /** A copy whose output the bridge keeps in the session's log ({@code cde run}'s command: the session's job). */
  public OpenRequest logged() {
    return new OpenRequest(kind, argv, env, cwd, host, port, cols, rows, term, target, write, Boolean.TRUE);
  }

  /** A copy with another environment (the bridge's relay adds the session's own variables). */
  public OpenRequest withEnv(Map<String, String> newEnv) {
    return new OpenRequest(kind, argv, newEnv, cwd, host, port, cols, rows, term, target, write, log);
  }
}
