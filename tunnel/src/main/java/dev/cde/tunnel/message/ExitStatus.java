package dev.cde.tunnel.message;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/** Body of EXIT: either a code, or the name of the signal that ended the process (like waitpid). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExitStatus(Integer code, String signal, Integer signalNumber, String message) {

  public static ExitStatus code(int code) {
    return new ExitStatus(code, null, null, null);
  }

  public static ExitStatus signal(String name, int number) {
    return new ExitStatus(null, name, number, null);
  }

  public static ExitStatus failed(String message) {
    return new ExitStatus(255, null, null, message);
  }

  /** The exit code a shell would report: the code, or 128 + signal number. */
  @JsonIgnore
  public int shellCode() {
    if (code != null) {
      return code;
    }
    return 128 + (signalNumber == null ? 0 : signalNumber);
  }

  public String describe() {
    if (signal != null) {
      return "killed by signal " + signal + (message == null ? "" : " (" + message + ")");
    }
    return "exit code " + code + (message == null ? "" : " (" + message + ")");
  }
}
