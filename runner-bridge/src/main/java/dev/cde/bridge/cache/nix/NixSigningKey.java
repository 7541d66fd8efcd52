package dev.cde.bridge.cache.nix;

import dev.cde.bridge.home.BridgeHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.jboss.logging.Logger;

/**
 * The key the bridge signs narinfo files with, in nix's own format so that {@code nix-store
 * --generate-binary-cache-key} keys work here and ours work with nix: {@code name:base64(seed ‖ public)} for the
 * secret, {@code name:base64(public)} for the public key, {@code name:base64(signature)} for a signature. A key of
 * its own, not the tunnel's: nix keys are long-lived and published to every instance's {@code nix.conf}, and either
 * can then be replaced without the other. It never leaves the bridge; instances get only {@link #publicKey()}.
 */
public final class NixSigningKey {
  private static final Logger LOG = Logger.getLogger(NixSigningKey.class);
  /** DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519: the JDK takes raw public keys only this way. */
  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private final String name;
  private final PrivateKey privateKey;
  private final PublicKey verifyKey;
  private final byte[] publicBytes;

  private NixSigningKey(String name, byte[] seed, byte[] publicBytes) {
    if (name.isEmpty() || name.contains(":")) {
      throw new IllegalArgumentException("a nix key name must be non-empty and without ':'");
    }
    this.name = name;
    this.publicBytes = publicBytes.clone();
    try {
      KeyFactory kf = KeyFactory.getInstance("Ed25519");
      this.privateKey = kf.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
      this.verifyKey = publicKey(publicBytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot use Ed25519 keys", e);
    }
  }

  /** Parses a secret key as nix writes it ({@code name:base64} of 64 bytes: the seed, then the public key). */
  public static NixSigningKey parse(String secretKey) {
    int colon = secretKey.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("not a nix secret key (expected name:base64)");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(secretKey.substring(colon + 1).strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a nix secret key: the part after ':' is not base64");
    }
    if (raw.length != 64) {
      throw new IllegalArgumentException("not a nix secret key: " + raw.length + " bytes instead of 64");
    }
    return new NixSigningKey(secretKey.substring(0, colon), Arrays.copyOf(raw, 32), Arrays.copyOfRange(raw, 32, 64));
  }

  /** Reads the key file, or makes a new key there (mode 0600) if there is none. */
  public static NixSigningKey loadOrCreate(Path file, String nameForNewKey) {
    try {
      if (Files.exists(file)) {
        NixSigningKey key = parse(Files.readString(file, StandardCharsets.US_ASCII).strip());
        LOG.infof("nix signing key %s read from %s", key.name, file);
        return key;
      }
      NixSigningKey key = generate(nameForNewKey);
      BridgeHome.writeSecret(file, key.secretKey() + "\n");
      LOG.infof("nix signing key %s generated at %s (mode 0600)", key.name, file);
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the nix signing key at " + file, e);
    }
  }

  public static NixSigningKey generate(String name) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes()
          .orElseThrow(() -> new IllegalStateException("the JVM hides the Ed25519 seed"));
      byte[] x509 = pair.getPublic().getEncoded();
      return new NixSigningKey(name, seed, Arrays.copyOfRange(x509, x509.length - 32, x509.length));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate Ed25519 keys", e);
    }
  }

  public String name() {
    return name;
  }

  /** What goes into {@code trusted-public-keys}. */
  public String publicKey() {
    return name + ":" + Base64.getEncoder().encodeToString(publicBytes);
  }

  /** {@code name:base64(signature)}, the value of a narinfo's {@code Sig:} line. */
  public String sign(String fingerprint) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(fingerprint.getBytes(StandardCharsets.UTF_8));
      return name + ":" + Base64.getEncoder().encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** True if {@code sig} ({@code name:base64}) is this key's signature of {@code fingerprint}. */
  public boolean verifies(String fingerprint, String sig) {
    int colon = sig.indexOf(':');
    if (colon <= 0 || !sig.substring(0, colon).equals(name)) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(verifyKey);
      s.update(fingerprint.getBytes(StandardCharsets.UTF_8));
      return s.verify(Base64.getDecoder().decode(sig.substring(colon + 1)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The secret in nix's format: only for the key file. */
  String secretKey() {
    byte[] seed = ((EdECPrivateKey) privateKey).getBytes()
        .orElseThrow(() -> new IllegalStateException("the JVM hides the Ed25519 seed"));
    byte[] both = Arrays.copyOf(seed, 64);
    System.arraycopy(publicBytes, 0, both, 32, 32);
    return name + ":" + Base64.getEncoder().encodeToString(both);
  }

  /** Never the secret: this object may end up in a log line. */
  @Override
  public String toString() {
    return "NixSigningKey[" + publicKey() + "]";
  }

  private static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
    byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + 32);
    System.arraycopy(raw, 0, der, X509_PREFIX.length, 32);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
  }
}
