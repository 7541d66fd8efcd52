package dev.cde.bridge.github.webhook;

import dev.cde.bridge.problem.UnauthorizedException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's {@code X-Hub-Signature-256}: {@code sha256=} and the hex HMAC-SHA256 of the exact body bytes.
 * Errors never include the secret or the expected signature: either would let a caller forge the next one.
 */
public final class WebhookSignature {
  public static final String HEADER = "X-Hub-Signature-256";
  private static final String PREFIX = "sha256=";
  private static final Pattern FORMAT = Pattern.compile("sha256=[0-9a-fA-F]{64}");

  private WebhookSignature() {
  }

  /** Throws {@link UnauthorizedException} unless {@code header} is the signature of {@code body} under {@code secret}. */
  public static void verify(String secret, byte[] body, String header) {
    if (header == null || header.isBlank()) {
      throw new UnauthorizedException("missing " + HEADER + " header: set a secret on the GitHub webhook"
          + " (the same as the bridge's cde.github.webhook.secret)");
    }
    if (!FORMAT.matcher(header.strip()).matches()) {
      throw new UnauthorizedException("malformed " + HEADER + " header: expected 'sha256=' and 64 hex digits");
    }
    byte[] given = HexFormat.of().parseHex(header.strip().substring(PREFIX.length()));
    // Constant time, so the response time tells nothing about how many leading bytes were right.
    if (!MessageDigest.isEqual(hmac(secret, body), given)) {
      throw new UnauthorizedException(HEADER + " does not match the body: the webhook's secret differs from the"
          + " bridge's cde.github.webhook.secret, or the body was changed on the way");
    }
  }

  /** The header value GitHub would send for {@code body}. */
  public static String sign(String secret, byte[] body) {
    return PREFIX + HexFormat.of().formatHex(hmac(secret, body));
  }

  private static byte[] hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
