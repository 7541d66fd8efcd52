package dev.cde.bridge.github.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSecretTest {
  record Config(Optional<String> secret, Optional<String> secretFile) implements WebhookConfig {
  }

  @Test
  void secretWinsThenTheFileIsReadOnEachDelivery(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("secret");
    Files.writeString(file, "from-file\n");
    assertThat(new WebhookSecret(new Config(Optional.of("direct"), Optional.of(file.toString()))).get()).isEqualTo("direct");
    WebhookSecret fromFile = new WebhookSecret(new Config(Optional.empty(), Optional.of(file.toString())));
    assertThat(fromFile.get()).isEqualTo("from-file");
    Files.writeString(file, "rotated");
    assertThat(fromFile.get()).isEqualTo("rotated");
  }

  @Test
  void noUsableSecretIs503(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> new WebhookSecret(new Config(Optional.empty(), Optional.empty())).get())
        .isInstanceOf(WebhookNotConfiguredException.class).hasMessageStartingWith("webhook secret not configured");
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> new WebhookSecret(new Config(Optional.empty(), Optional.of(empty.toString()))).get())
        .hasMessageContaining("is empty");
    assertThatThrownBy(() -> new WebhookSecret(new Config(Optional.empty(), Optional.of(dir.resolve("none").toString()))).get())
        .hasMessageContaining("cannot read");
  }
}
