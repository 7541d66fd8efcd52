package dev.cde.bridge.auth;

import dev.cde.bridge.home.BridgeHome;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.jboss.logging.Logger;

/** The bearer token every API client must present. */
@Startup
@ApplicationScoped
public class ApiToken {
  private static final Logger LOG = Logger.getLogger(ApiToken.class);
  private final byte[] expected;

  public ApiToken(AuthConfig config, BridgeHome home) {
    this.expected = config.token().filter(t -> !t.isBlank()).map(t -> {
      LOG.info("API token taken from configuration (cde.auth.token)");
      return t.strip();
    }).orElseGet(() -> loadOrCreate(home.apiToken())).getBytes(StandardCharsets.UTF_8);
  }

  private static String loadOrCreate(Path file) {
    try {
      if (Files.exists(file)) {
        LOG.infof("API token read from %s", file);
        return Files.readString(file).strip();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the API token at " + file, e);
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    BridgeHome.writeSecret(file, token + "\n");
    LOG.infof("API token generated at %s (mode 0600)", file);
    return token;
  }

  /** Whether an {@code Authorization} header carries the token; compares in constant time. */
  public boolean matches(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = authorizationHeader.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, given);
  }
}
