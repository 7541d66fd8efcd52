package dev.cde.tunnel.message;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Body of REQUEST: an out-of-band ask on an open channel (terminal resize, signal delivery). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChannelRequest(String type, Integer cols, Integer rows, String signal) {
  public static final String RESIZE = "resize";
  public static final String SIGNAL = "signal";

  public static ChannelRequest resize(int cols, int rows) {
    return new ChannelRequest(RESIZE, cols, rows, null);
  }

  public static ChannelRequest signal(String name) {
    return new ChannelRequest(SIGNAL, null, null, name);
  }
}
