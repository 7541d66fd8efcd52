package dev.cde.bridge.github.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cde.bridge.problem.UnauthorizedException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  static final String SECRET = "It's a Secret to Everybody";
  // GitHub's own example from "Validating webhook deliveries".
  static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
  static final String GITHUB_EXAMPLE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  @Test
  void matchesGithubsDocumentedExample() {
    assertThat(WebhookSignature.sign(SECRET, BODY)).isEqualTo(GITHUB_EXAMPLE);
    assertThatCode(() -> WebhookSignature.verify(SECRET, BODY, GITHUB_EXAMPLE)).doesNotThrowAnyException();
    assertThatCode(() -> WebhookSignature.verify(SECRET, BODY, GITHUB_EXAMPLE.toUpperCase().replace("SHA256", "sha256")))
        .doesNotThrowAnyException();
  }

  @Test
  void rejectsAbsentMalformedAndWrongWithoutLeakingTheSecretOrTheExpectedValue() {
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, BODY, null)).isInstanceOf(UnauthorizedException.class)
        .hasMessageContaining("missing X-Hub-Signature-256");
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, BODY, "")).hasMessageContaining("missing");
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, BODY, "sha1=abc")).hasMessageContaining("malformed");
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, BODY, "sha256=xyz")).hasMessageContaining("malformed");
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, BODY, GITHUB_EXAMPLE + "00")).hasMessageContaining("malformed");
    String wrong = "sha256=" + "0".repeat(64);
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, BODY, wrong))
        .hasMessageContaining("does not match")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain(GITHUB_EXAMPLE.substring(7)));
    assertThatThrownBy(() -> WebhookSignature.verify("other secret", BODY, GITHUB_EXAMPLE)).hasMessageContaining("does not match");
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, "Hello, World?".getBytes(StandardCharsets.UTF_8), GITHUB_EXAMPLE))
        .hasMessageContaining("does not match");
  }
}
