package dev.cde.bridge.cache.gitlab;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Checks an S3 request pre-signed with SigV4 in its query string ({@code X-Amz-Algorithm}, {@code -Credential},
 * {@code -Date}, {@code -Expires}, {@code -SignedHeaders}, {@code -Signature}; payload {@code UNSIGNED-PAYLOAD}),
 * as gitlab-runner's s3v2 adapter makes them with the AWS SDK for Go v2 ({@code PresignGetObject},
 * {@code PresignHeadObject}, {@code PresignPutObject}).
 *
 * <p>Not a second implementation of SigV4: the request as it arrived (method, Host, raw path, every query
 * parameter but the signature, the headers the URL says it signed) is signed again with the AWS SDK's own
 * {@link AwsV4HttpSigner} at the URL's date and for its lifetime, and the two signatures are compared in constant
 * time. S3's settings: no double URL encoding and no path normalization, so the canonical URI is the path exactly
 * as the client sent it.
 */
final class PresignedUrlVerifier {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  /** What S3 accepts at most for {@code X-Amz-Expires}: seven days. */
  static final long MAX_EXPIRES_SECONDS = 604_800;
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

  private final String accessKeyId;
  private final AwsCredentialsIdentity credentials;
  private final String region;
  private final Duration skew;
  private final Clock clock;

  PresignedUrlVerifier(String accessKeyId, String secretAccessKey, String region, Duration skew, Clock clock) {
    this.accessKeyId = accessKeyId;
    this.credentials = AwsCredentialsIdentity.create(accessKeyId, secretAccessKey);
    this.region = region;
    this.skew = skew;
    this.clock = clock;
  }

  /** The request as the verifier needs it; {@code query} holds decoded names and values, in order. */
  record Request(String method, String host, String rawPath, List<Map.Entry<String, String>> query,
      Function<String, List<String>> headers) {
  }

  /** Returns normally when the request carries a valid, unexpired signature by the configured key. */
  void verify(Request r) throws S3Error {
    String algorithm = param(r, "X-Amz-Algorithm").orElse(null);
    if (algorithm == null) {
      throw S3Error.accessDenied("Only pre-signed URLs (SigV4 in the query string) are accepted here.");
    }
    if (!ALGORITHM.equals(algorithm)) {
      throw queryError("X-Amz-Algorithm only supports \"" + ALGORITHM + "\"");
    }
    String credential = required(r, "X-Amz-Credential");
    String date = required(r, "X-Amz-Date");
    String expires = required(r, "X-Amz-Expires");
    String signedHeaders = required(r, "X-Amz-SignedHeaders");
    String signature = required(r, "X-Amz-Signature");

    Instant signedAt;
    try {
      signedAt = Instant.from(AMZ_DATE.parse(date));
    } catch (DateTimeParseException e) {
      throw queryError("X-Amz-Date must be in the ISO8601 long format (yyyyMMdd'T'HHmmss'Z')");
    }
    long lifetime;
    try {
      lifetime = Long.parseLong(expires);
    } catch (NumberFormatException e) {
      throw queryError("X-Amz-Expires should be a number");
    }
    if (lifetime < 1 || lifetime > MAX_EXPIRES_SECONDS) {
      throw queryError("X-Amz-Expires must be between 1 and " + MAX_EXPIRES_SECONDS + " seconds");
    }

    String[] scope = credential.split("/", -1);
    if (scope.length != 5 || !scope[4].equals("aws4_request") || !scope[3].equals("s3")) {
      throw queryError("Error parsing the X-Amz-Credential parameter");
    }
    if (!constantTimeEquals(scope[0], accessKeyId)) {
      throw new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    }
    if (!scope[1].equals(date.substring(0, 8))) {
      throw queryError("Error parsing the X-Amz-Credential parameter; incorrect date format " + scope[1]);
    }
    if (!scope[2].equals(region)) {
      throw queryError("Error parsing the X-Amz-Credential parameter; the region '" + scope[2]
          + "' is wrong; expecting '" + region + "'");
    }

    Instant now = clock.instant();
    if (signedAt.isAfter(now.plus(skew))) {
      throw S3Error.accessDenied("Request is not yet valid (X-Amz-Date is ahead of the bridge's clock)");
    }
    if (now.isAfter(signedAt.plusSeconds(lifetime).plus(skew))) {
      throw S3Error.accessDenied("Request has expired");
    }

    String expected = sign(r, signedAt, lifetime, signedHeaders);
    if (!constantTimeEquals(expected, signature.toLowerCase(Locale.ROOT))) {
      throw new S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the"
          + " signature you provided. Check your key and signing method.");
    }
  }

  /** The signature the SDK computes for the request as it arrived; "" when the signed header list cannot be met. */
  private String sign(Request r, Instant signedAt, long lifetime, String signedHeaders) throws S3Error {
    SdkHttpRequest.Builder b = SdkHttpRequest.builder()
        .method(method(r.method()))
        .protocol("http")
        .host("bridge") // the Host header below is what is signed; the SDK uses this only when none is given
        .encodedPath(r.rawPath());
    for (Map.Entry<String, String> q : r.query()) {
      if (!q.getKey().equals("X-Amz-Signature")) {
        b.appendRawQueryParameter(q.getKey(), q.getValue());
      }
    }
    for (String name : signedHeaders.split(";", -1)) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals("host")) {
        if (r.host() == null) {
          return "";
        }
        b.putHeader("Host", r.host());
      } else {
        List<String> values = r.headers().apply(lower);
        if (values == null || values.isEmpty()) {
          // The URL was signed with a header this request lacks: no signature over these headers can match.
          return "";
        }
        b.putHeader(lower, values);
      }
    }
    SdkHttpRequest request = b.build();
    SignedRequest signed = SIGNER.sign(s -> s.identity(credentials).request(request)
        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC))
        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "s3")
        .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
        .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofSeconds(lifetime))
        .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
        .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
        .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false));
    // The SDK derives the signed header list from the headers it was given; if that is not the URL's list (a
    // header it never signs, a duplicate), the signature is over something else and must not be trusted.
    String theirs = signed.request().firstMatchingRawQueryParameter("X-Amz-SignedHeaders").orElse("");
    if (!theirs.equals(signedHeaders.toLowerCase(Locale.ROOT))) {
      return "";
    }
    return signed.request().firstMatchingRawQueryParameter("X-Amz-Signature").orElse("");
  }

  private static SdkHttpMethod method(String method) throws S3Error {
    try {
      return SdkHttpMethod.fromValue(method);
    } catch (IllegalArgumentException e) {
      throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }
  }

  private static Optional<String> param(Request r, String name) {
    return r.query().stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).findFirst();
  }

  private static String required(Request r, String name) throws S3Error {
    return param(r, name).orElseThrow(() -> queryError("Query-string authentication version 4 requires the "
        + "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires "
        + "parameters."));
  }

  private static S3Error queryError(String message) {
    return new S3Error(400, "AuthorizationQueryParametersError", message);
  }

  /** MessageDigest.isEqual is constant-time for equal lengths, which a hex signature always has. */
  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
