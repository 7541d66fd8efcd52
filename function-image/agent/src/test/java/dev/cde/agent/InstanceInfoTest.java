package dev.cde.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.tunnel.message.Hello;
import org.junit.jupiter.api.Test;

class InstanceInfoTest {
  @Test
  void parsesNvidiaSmiCsv() {
    // The shape of `nvidia-smi --query-gpu=name,memory.total,driver_version,uuid --format=csv,noheader,nounits`
    String csv = "NVIDIA H100 80GB HBM3, 81559, 550.54.15, GPU-5c1e2f9a-0d4b-11ef-9262-0242ac120002\n"
        + "Tesla T4, 15360, 535.104.05, GPU-aa11bb22-cc33-dd44-ee55-ff6677889900\n";
    assertThat(InstanceInfo.parseNvidiaSmi(csv)).containsExactly(
        new Hello.Gpu("NVIDIA H100 80GB HBM3", 81559L, "550.54.15", "GPU-5c1e2f9a-0d4b-11ef-9262-0242ac120002"),
        new Hello.Gpu("Tesla T4", 15360L, "535.104.05", "GPU-aa11bb22-cc33-dd44-ee55-ff6677889900"));
  }

  @Test
  void toleratesNoiseAndUnknownMemory() {
    assertThat(InstanceInfo.parseNvidiaSmi("")).isEmpty();
    assertThat(InstanceInfo.parseNvidiaSmi("No devices were found\n")).isEmpty();
    assertThat(InstanceInfo.parseNvidiaSmi("Tesla T4, [N/A], 535.1, GPU-1\n"))
        .containsExactly(new Hello.Gpu("Tesla T4", null, "535.1", "GPU-1"));
  }

  @Test
  void reportsThisMachine() {
    Hello h = InstanceInfo.hello("s-x");
    assertThat(h.cpus()).isPositive();
    assertThat(h.memoryBytes()).isPositive();
    assertThat(h.sessionId()).isEqualTo("s-x");
    assertThat(h.gpus()).isNotNull();
  }
}
