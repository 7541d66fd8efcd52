package dev.cde.bridge.relay;

/** One terminal open in a session, as viewers pick it: its name ({@code t1}, ...) and its size when known. */
public record TerminalInfo(String name, Integer cols, Integer rows) {
}
