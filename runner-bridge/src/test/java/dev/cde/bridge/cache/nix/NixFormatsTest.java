package dev.cde.bridge.cache.nix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Base-32, fingerprints and signatures against what Debian's nix 2.8 printed (nix-hash, nix-store
 * --generate-binary-cache-key, nix copy --to 'file://...?secret-key=...'); the commands are in each test. The key
 * is a throwaway made for this test only.
 */
class NixFormatsTest {
  /** {@code nix-store --generate-binary-cache-key test1 sk pk}. */
  static final String SECRET_KEY = "test1:GZvtHlqhF5xp1WwtX+BlgvMrVmyIP02omi1Jb46o+x/Xsnr09OZE59UWbNyaZWF2Mec+pz3nLqCL1nQrdres7w==";
  static final String PUBLIC_KEY = "test1:17J69PTmROfVFmzcmmVhdjHnPqc95y6gi9Z0K3a3rO8=";

  /** {@code nix copy --to 'file://signed?compression=none&secret-key=sk'} of a path that refers to another. */
  static final String USER_NARINFO = """
      StorePath: /nix/store/dmbhy4xn6vd3smzk6fvqfz2q5yvdwph6-user
      URL: nar/1lpljgxg5kcss57k7k8qyfpgradjjy946s3rn8wh1wazhvgjniz8.nar
      Compression: none
      FileHash: sha256:1lpljgxg5kcss57k7k8qyfpgradjjy946s3rn8wh1wazhvgjniz8
      FileSize: 168
      NarHash: sha256:1lpljgxg5kcss57k7k8qyfpgradjjy946s3rn8wh1wazhvgjniz8
      NarSize: 168
      References: mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello
      Deriver: 48jh8sym3ydc9qpj7jnsgp50w64c6xkk-user.drv
      Sig: test1:RPoyxx9+cZoCXQt/gWRY5FW37G0koLXpx0+BCHKpjxJAo6G+SgIjCcNyXuNvT5dbi86NhUUWi7xFC0BzxBwZAQ==
      """;

  @Test
  void base32IsNixs() throws Exception {
    // printf 'hello nix' > f; nix-hash --type sha256 --flat --base32 f
    byte[] digest = MessageDigest.getInstance("SHA-256").digest("hello nix".getBytes(StandardCharsets.UTF_8));
    assertThat(NixBase32.encode(digest)).isEqualTo("03jakmyiwx0g494y2rfn1q0nfwpawmyid279kyk69rzgqmcf6rgv");
    // nix-store -q --hash of a built path: its NAR's sha256, hex from sha256sum of the NAR nix copy wrote
    assertThat(NixBase32.encode(HexFormat.of().parseHex(
        "10551daed7fa467d0b58826e7eb9a0f2af7d693de319f2ef775fffcda244b9f6")))
        .isEqualTo("1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h");
    assertThat(NixBase32.isValid("1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", 52)).isTrue();
    assertThat(NixBase32.isValid("exmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", 52)).isFalse();
  }

  @Test
  void keyInNixFormatGivesNixsPublicKeyAndSignature() {
    NixSigningKey key = NixSigningKey.parse(SECRET_KEY);
    assertThat(key.publicKey()).isEqualTo(PUBLIC_KEY);
    NarInfo info = NarInfo.parse(USER_NARINFO);
    assertThat(info.fingerprint()).isEqualTo("1;/nix/store/dmbhy4xn6vd3smzk6fvqfz2q5yvdwph6-user;"
        + "sha256:1lpljgxg5kcss57k7k8qyfpgradjjy946s3rn8wh1wazhvgjniz8;168;"
        + "/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello");
    // Ed25519 is deterministic: the same key over the same fingerprint gives nix's very signature.
    assertThat(key.sign(info.fingerprint())).isEqualTo(info.sigs().get(0));
    assertThat(key.verifies(info.fingerprint(), info.sigs().get(0))).isTrue();
    assertThat(key.verifies(info.fingerprint().replace(";168;", ";169;"), info.sigs().get(0))).isFalse();
  }

  @Test
  void renderedNarInfoIsWhatNixWrote() {
    NarInfo info = NarInfo.parse(USER_NARINFO);
    assertThat(info.render()).isEqualTo(USER_NARINFO);
    assertThat(info.hashPart()).isEqualTo("dmbhy4xn6vd3smzk6fvqfz2q5yvdwph6");
  }

  @Test
  void generatedKeyRoundTripsThroughNixsFormat() {
    NixSigningKey key = NixSigningKey.generate("cde-test-1");
    NixSigningKey again = NixSigningKey.parse(key.secretKey());
    assertThat(again.publicKey()).isEqualTo(key.publicKey()).startsWith("cde-test-1:");
    assertThat(again.sign("x")).isEqualTo(key.sign("x"));
    assertThat(key.toString()).doesNotContain(key.secretKey().substring(11));
  }

  @Test
  void badNarInfosAreRefused() {
    assertThatThrownBy(() -> NarInfo.parse(USER_NARINFO.replace("Compression: none", "Compression: xz")))
        .hasMessageContaining("uncompressed");
    assertThatThrownBy(() -> NarInfo.parse(USER_NARINFO.replace("/nix/store/dmbhy", "/tmp/store/dmbhy")))
        .hasMessageContaining("not a store path");
    assertThatThrownBy(() -> NarInfo.parse(USER_NARINFO.replace("References: mjs27", "References: ../x")))
        .hasMessageContaining("References");
    assertThatThrownBy(() -> NarInfo.parse("StorePath: /nix/store/x\n")).hasMessageContaining("needs");
    assertThat(NarInfo.parse(USER_NARINFO.replace("References: mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello",
        "References: ")).references()).isEqualTo(List.of());
  }
}
