package dev.cde.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {
  @Test
  void generatedOnceOwnerOnlyAndLoadedAfterwards(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("signing-key.pem");
    SigningKeys first = new SigningKeys(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----\n");
    SigningKeys again = new SigningKeys(file);
    assertThat(again.publicKeyBase64()).isEqualTo(first.publicKeyBase64());
    assertThat(again.privateKey().getEncoded()).isEqualTo(first.privateKey().getEncoded());

    // The public key that agents get verifies what the private key signs.
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(again.privateKey());
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    signer.update(data);
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(KeyFactory.getInstance("Ed25519")
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(first.publicKeyBase64()))));
    verifier.update(data);
    assertThat(verifier.verify(sig)).isTrue();
  }
}
