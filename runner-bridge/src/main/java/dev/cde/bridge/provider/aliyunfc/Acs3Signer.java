package dev.cde.bridge.provider.aliyunfc;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), as the Function Compute 3.0 API requires it
 * (https://help.aliyun.com/en/functioncompute/fc/developer-reference/signature-mechanism): a canonical request of
 * method, path, query, the {@code host}, {@code content-type} and {@code x-acs-*} headers and the body's SHA-256,
 * hashed, then HMAC-SHA256 with the AccessKey secret. Hashing and HMAC are the JDK's. No Alibaba SDK: its core
 * brings its own HTTP client, XML and gson stacks for this one algorithm.
 */
final class Acs3Signer {
  static final String ALGORITHM = "ACS3-HMAC-SHA256";
  static final String VERSION = "2023-03-30";
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Acs3Signer() {
  }

  /**
   * The headers to send, {@code Authorization} included, for a request of {@code action} (GetFunction,
   * CreateFunction, ...) with {@code body} (empty for none). The URI's query must already be in canonical form
   * (FC's calls here have none).
   */
  static Map<String, String> sign(String method, URI uri, String action, String body, String contentType,
      AliyunCredentials credentials, Instant now) {
    TreeMap<String, String> headers = new TreeMap<>();
    headers.put("host", uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost());
    headers.put("x-acs-action", action);
    headers.put("x-acs-version", VERSION);
    headers.put("x-acs-date", DATE.format(now));
    headers.put("x-acs-signature-nonce", UUID.randomUUID().toString());
    headers.put("x-acs-content-sha256", sha256Hex(body));
    if (contentType != null) {
      headers.put("content-type", contentType);
    }
    if (credentials.securityToken() != null) {
      headers.put("x-acs-security-token", credentials.securityToken());
    }
    StringBuilder canonicalHeaders = new StringBuilder();
    headers.forEach((k, v) -> canonicalHeaders.append(k).append(':').append(v.strip()).append('\n'));
    String signedHeaders = String.join(";", headers.keySet());
    String canonicalRequest = method.toUpperCase(Locale.ROOT) + "\n" + canonicalPath(uri) + "\n"
        + (uri.getRawQuery() == null ? "" : uri.getRawQuery()) + "\n" + canonicalHeaders + "\n" + signedHeaders + "\n"
        + headers.get("x-acs-content-sha256");
    String stringToSign = ALGORITHM + "\n" + sha256Hex(canonicalRequest);
    Map<String, String> out = new TreeMap<>(headers);
    out.remove("host"); // java.net.http sets it from the URI, the same value
    out.put("Authorization", ALGORITHM + " Credential=" + credentials.accessKeyId() + ",SignedHeaders=" + signedHeaders
        + ",Signature=" + hmacHex(credentials.accessKeySecret(), stringToSign));
    return out;
  }

  static String canonicalPath(URI uri) {
    String p = uri.getRawPath();
    return p == null || p.isEmpty() ? "/" : p;
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  static String hmacHex(String key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
