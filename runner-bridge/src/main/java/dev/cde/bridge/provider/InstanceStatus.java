package dev.cde.bridge.provider;

public enum InstanceStatus {
  STARTING, RUNNING, EXITED, UNKNOWN;

  public boolean alive() {
    return this == STARTING || this == RUNNING;
  }
}
