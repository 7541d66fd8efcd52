package dev.cde.bridge.provider;

/** What an instance must have. {@code gpuType} is null when {@code gpuCount} is 0. */
public record InstanceSpec(String template, double cpu, long memoryMb, String gpuType, int gpuCount,
    long maxDurationSeconds) {
}
