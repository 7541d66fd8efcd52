package dev.cde.bridge.session;

import java.util.EnumSet;
import java.util.Set;

public enum SessionState {
  PENDING, STARTING, RUNNING, STOPPING, ENDED, FAILED;

  /** States a session may still leave; a bridge restart finds sessions in these. */
  public static final Set<SessionState> ACTIVE = EnumSet.of(PENDING, STARTING, RUNNING, STOPPING);

  public boolean terminal() {
    return this == ENDED || this == FAILED;
  }
}
