package dev.cde.bridge.provider;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderLimitsTest {
  static final ProviderLimits FC = new ProviderLimits(86_400, 16, 32 * 1024, Map.of("t4", 1, "a10", 1), false);

  @Test
  void aSpecWithinEveryLimitPasses() {
    assertThatCode(() -> FC.check("fc", new InstanceSpec("default", 16, 32 * 1024, "t4", 1, 86_400)))
        .doesNotThrowAnyException();
    assertThatCode(() -> FC.check("fc", new InstanceSpec("default", 1, 512, null, 0, 60))).doesNotThrowAnyException();
  }

  @Test
  void everyUnmetLimitIsNamedAtOnce() {
    assertThatThrownBy(() -> FC.check("fc", new InstanceSpec("default", 17.5, 32 * 1024 + 1, "h100", 1, 86_401)))
        .isInstanceOf(SpecRefusedException.class)
        .hasMessage("provider fc cannot run this spec: max duration 86401 s is over its limit of 86400 s; cpu 17.5 is"
            + " over its limit of 16; memory 32769 MiB is over its limit of 32768 MiB; gpu type 'h100' is not offered"
            + " (it offers: a10, t4)");
  }

  @Test
  void tooManyGpusOfAnOfferedType() {
    assertThatThrownBy(() -> FC.check("fc", new InstanceSpec("default", 4, 4096, "t4", 2, 600)))
        .hasMessage("provider fc cannot run this spec: 2 GPUs of type t4 are more than its 1 per instance");
  }

  @Test
  void aProviderWithoutGpusSaysSo() {
    ProviderLimits lambda = new ProviderLimits(900, 6, 10_240, Map.of(), false);
    assertThatThrownBy(() -> lambda.check("lambda", new InstanceSpec("default", 1, 512, "t4", 1, 600)))
        .hasMessage("provider lambda cannot run this spec: gpu type 't4' is not offered (it offers no GPUs)");
  }

  @Test
  void noneLimitsNothing() {
    assertThatCode(() -> ProviderLimits.NONE.check("x", new InstanceSpec("default", 64, 256 * 1024, "h100", 16, 86_400)))
        .doesNotThrowAnyException();
  }
}
