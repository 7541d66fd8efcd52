package dev.cde.tunnel;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cde.tunnel.message.Json;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;

/**
 * The session's agent variables sent with the bridge's first connection to an instance whose platform starts every
 * instance with one shared environment (a deployed function or service: Function Compute, Cloud Run), where they
 * cannot be set per launch. A base64url JSON object of strings; the agent takes it from the connection that binds
 * it to its session (docs/protocol.md, "Session environment").
 */
public final class SessionEnvHeader {
  public static final String NAME = "X-Cde-Session-Env";
  /** Far above what the bridge sends (a few hundred bytes); HTTP servers refuse larger header blocks anyway. */
  static final int MAX_LENGTH = 16 * 1024;

  private SessionEnvHeader() {}

  public static String encode(Map<String, String> env) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.MAPPER.writeValueAsBytes(env));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the session environment", e);
    }
  }

  /** The variables, or an IllegalArgumentException naming what is wrong (never the value: it carries tokens). */
  public static Map<String, String> decode(String value) {
    if (value.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(NAME + " is longer than " + MAX_LENGTH + " characters");
    }
    byte[] json;
    try {
      json = Base64.getUrlDecoder().decode(value.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NAME + " is not base64url", e);
    }
    Map<String, String> env;
    try {
      env = Json.MAPPER.readValue(json, new TypeReference<Map<String, String>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException(NAME + " is not a JSON object of strings", e);
    }
    if (env == null || env.containsValue(null)) {
      throw new IllegalArgumentException(NAME + " is not an object of strings");
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      // what a process environment cannot hold would fail every process the agent starts
      if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0 || e.getKey().indexOf('\0') >= 0
          || e.getValue().indexOf('\0') >= 0) {
        throw new IllegalArgumentException(NAME + " names a variable a process environment cannot hold");
      }
    }
    return Map.copyOf(env);
  }
}
