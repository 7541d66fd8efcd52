package dev.cde.bridge.session;

import dev.cde.bridge.home.BridgeHome;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The bridge's Ed25519 key: it signs the short-lived tokens that let the bridge into an instance's
 * tunnel; agents get only the public half. Kept in {@code <cde.home>/signing-key.pem} (mode 0600)
 * as a PKCS#8 private key block followed by the public key block (Java 17 cannot derive the public
 * key from an Ed25519 private key, so both are stored).
 */
@Startup
@ApplicationScoped
public class SigningKeys {
  private static final Logger LOG = Logger.getLogger(SigningKeys.class);
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN (PRIVATE KEY|PUBLIC KEY)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private final PrivateKey privateKey;
  private final PublicKey publicKey;

  @jakarta.inject.Inject
  public SigningKeys(BridgeHome home) {
    this(home.signingKey());
  }

  public SigningKeys(Path file) {
    KeyPair pair = Files.exists(file) ? load(file) : create(file);
    this.privateKey = pair.getPrivate();
    this.publicKey = pair.getPublic();
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** X.509 SubjectPublicKeyInfo, base64: what agents get in {@code CDE_AGENT_PUBLIC_KEY}. */
  public PublicKey publicKey() {
    return publicKey;
  }

  public String publicKeyBase64() {
    return Base64.getEncoder().encodeToString(publicKey.getEncoded());
  }

  private static KeyPair create(Path file) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      BridgeHome.writeSecret(file, pem("PRIVATE KEY", pair.getPrivate().getEncoded())
          + pem("PUBLIC KEY", pair.getPublic().getEncoded()));
      LOG.infof("signing key generated at %s (mode 0600)", file);
      return pair;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate Ed25519 keys", e);
    }
  }

  private static KeyPair load(Path file) {
    try {
      String text = Files.readString(file);
      byte[] priv = null;
      byte[] pub = null;
      Matcher m = BLOCK.matcher(text);
      while (m.find()) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
        if (m.group(1).equals("PRIVATE KEY")) {
          priv = der;
        } else {
          pub = der;
        }
      }
      if (priv == null || pub == null) {
        throw new IllegalStateException(file + " must hold a PRIVATE KEY and a PUBLIC KEY block;"
            + " delete it to generate a new key (running instances will then reject the bridge)");
      }
      KeyFactory kf = KeyFactory.getInstance("Ed25519");
      LOG.infof("signing key read from %s", file);
      return new KeyPair(kf.generatePublic(new X509EncodedKeySpec(pub)),
          kf.generatePrivate(new PKCS8EncodedKeySpec(priv)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the signing key at " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the signing key at " + file + " is not an Ed25519 key pair", e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
