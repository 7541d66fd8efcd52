package dev.cde.bridge.provider;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProvidersTest {
  @Test
  void unknownProviderNameListsTheKnownOnes() {
    assertThatThrownBy(() -> Providers.select("aliyun", List.of("kubernetes", "local"), n -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unknown instance provider 'aliyun' (cde.provider.name); known providers: kubernetes, local");
  }
}
