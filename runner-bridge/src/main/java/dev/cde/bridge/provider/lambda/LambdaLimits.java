package dev.cde.bridge.provider.lambda;

import dev.cde.bridge.provider.InstanceSpec;
import dev.cde.bridge.provider.ProviderException;
import dev.cde.bridge.provider.ProviderLimits;

/**
 * What AWS Lambda can run, checked before anything is invoked. Sources: the Lambda quotas page
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: timeout 900 s, memory 128 to 10,240 MB)
 * and the memory page (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html: one vCPU per
 * 1,769 MB, up to 6 vCPUs); Lambda has no GPUs (shared/notes/serverless-platforms.md).
 */
final class LambdaLimits {
  static final long MAX_SECONDS = 900;
  static final long MAX_MEMORY_MB = 10_240;
  static final double MB_PER_VCPU = 1769;

  private LambdaLimits() {
  }

  /** The platform's own limits, whatever the function: no GPU, 900 s, 10,240 MB, 6 vCPUs. */
  static final ProviderLimits PLATFORM = new ProviderLimits(MAX_SECONDS, 6, MAX_MEMORY_MB, java.util.Map.of(), false);

  /** The limits of the deployed function (its memory, hence its vCPUs, and its timeout). */
  static void check(InstanceSpec spec, String function, long memoryMb, long timeoutSeconds) throws ProviderException {
    if (spec.memoryMb() > memoryMb) {
      throw new ProviderException("Lambda function " + function + " has " + memoryMb + " MB; this session asks for "
          + spec.memoryMb() + " MB (raise its MemorySize or ask for less)");
    }
    double vcpus = Math.min(6, memoryMb / MB_PER_VCPU);
    if (spec.cpu() > vcpus + 1e-9) {
      throw new ProviderException(String.format(java.util.Locale.ROOT, "Lambda function %s has %.2f vCPUs (%d MB at "
          + "1769 MB per vCPU); this session asks for %s", function, vcpus, memoryMb, spec.cpu()));
    }
    if (spec.maxDurationSeconds() > timeoutSeconds) {
      throw new ProviderException("Lambda function " + function + " times out after " + timeoutSeconds
          + " s; this session may last " + spec.maxDurationSeconds() + " s (raise its Timeout, at most 900)");
    }
  }
}
