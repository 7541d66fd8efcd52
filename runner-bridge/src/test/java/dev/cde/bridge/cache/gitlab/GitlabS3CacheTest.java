package dev.cde.bridge.cache.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.bridge.cache.CacheRoot;
import dev.cde.bridge.home.BridgeHome;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.presigner.PresignedRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The bridge's S3 endpoint as gitlab-runner uses it: URLs pre-signed by a real S3 client library (the AWS SDK's
 * S3Presigner; gitlab-runner's s3v2 adapter presigns with the AWS SDK for Go v2, standard SigV4 either way), then
 * plain HTTP as gitlab-runner's helper sends it (PUT with Content-Length, Content-Type and the signed
 * x-amz-meta-cachekey; GET; HEAD), against the real bridge.
 */
@QuarkusTest
class GitlabS3CacheTest {
  static final String KEY_ID = "cde-test-access-key";
  static final String SECRET = "test-secret-do-not-log-7c1e9a";
  static final String BUCKET = "cde-cache";

  @TestHTTPResource("/")
  URL base;
  @Inject
  CacheRoot root;
  @Inject
  GitlabCacheStore store;
  @Inject
  BridgeHome home;

  /** HTTP/1.1, as gitlab-runner's helper speaks to an http:// endpoint (Go's client does no h2c upgrade). */
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final Random random = new Random();
  S3Presigner presigner;

  @BeforeEach
  void presigner() {
    presigner = presigner(SECRET);
  }

  @AfterEach
  void close() {
    presigner.close();
  }

  S3Presigner presigner(String secret) {
    return S3Presigner.builder().region(Region.US_EAST_1).endpointOverride(URI.create(base.toString()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, secret)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
  }

  /** The test bridge's NAS and database outlive a run: each run's projects are new ones. */
  static final int RUN = java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000, 99_999) * 100;

  static String project(int n) {
    return Integer.toString(RUN + n);
  }

  static String object(int project, String key) {
    return "runner/t3st0k3n/project/" + project(project) + "/" + key;
  }

  PresignedRequest put(S3Presigner p, String bucket, String key) {
    return p.presignPutObject(b -> b.signatureDuration(Duration.ofHours(1)).putObjectRequest(o -> o.bucket(bucket)
        .key(key).metadata(Map.of("cachekey", "human-key-protected"))));
  }

  PresignedRequest get(String key) {
    return presigner.presignGetObject(b -> b.signatureDuration(Duration.ofHours(1))
        .getObjectRequest(o -> o.bucket(BUCKET).key(key)));
  }

  PresignedRequest head(String key) {
    return presigner.presignHeadObject(b -> b.signatureDuration(Duration.ofHours(1))
        .headObjectRequest(o -> o.bucket(BUCKET).key(key)));
  }

  /** What gitlab-runner's cache-archiver sends: the pre-signed headers, Content-Type, Last-Modified, a length. */
  HttpResponse<String> upload(PresignedRequest url, byte[] body) throws Exception {
    return http.send(uploadRequest(url.url().toURI(), url).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpRequest.Builder uploadRequest(URI uri, PresignedRequest url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/octet-stream")
        .header("Last-Modified", "Wed, 02 Dec 2026 10:00:00 GMT");
    url.signedHeaders().forEach((k, vs) -> {
      if (!k.equalsIgnoreCase("host")) {
        vs.forEach(v -> b.header(k, v));
      }
    });
    return b;
  }

  HttpResponse<byte[]> download(URI uri, String range) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    if (range != null) {
      b.header("Range", range);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  Path objectFile(String key) {
    return root.root().resolve("gitlab").resolve(BUCKET).resolve(key);
  }

  static String code(String xml) {
    return xml.replaceAll("(?s).*<Code>([^<]*)</Code>.*", "$1");
  }

  @Test
  void aMultiMibObjectRoundTripsByteExactWithItsMetadata() throws Exception {
    String key = object(11, "build-protected");
    byte[] body = bytes(5 * 1024 * 1024 + 123);
    HttpResponse<String> up = upload(put(presigner, BUCKET, key), body);
    assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
    assertThat(up.headers().firstValue("ETag")).isPresent();
    assertThat(Files.readAllBytes(objectFile(key))).isEqualTo(body);

    HttpResponse<byte[]> got = download(get(key).url().toURI(), null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(body);
    assertThat(got.headers().firstValue("Content-Length")).hasValue(Integer.toString(body.length));
    assertThat(got.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    assertThat(got.headers().firstValue("x-amz-meta-cachekey")).hasValue("human-key-protected");
    assertThat(got.headers().firstValue("Last-Modified")).isPresent();

    HttpResponse<Void> h = http.send(HttpRequest.newBuilder(head(key).url().toURI())
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.headers().firstValue("Content-Length")).hasValue(Integer.toString(body.length));
    assertThat(h.headers().firstValue("Last-Modified")).isEqualTo(got.headers().firstValue("Last-Modified"));

    // gitlab-runner's parallel download: a one-byte probe, then ranges
    HttpResponse<byte[]> probe = download(get(key).url().toURI(), "bytes=0-0");
    assertThat(probe.statusCode()).isEqualTo(206);
    assertThat(probe.headers().firstValue("Content-Range")).hasValue("bytes 0-0/" + body.length);
    HttpResponse<byte[]> tail = download(get(key).url().toURI(), "bytes=5242880-");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(body, 5242880, body.length));

    // counted once the last byte is out, which can be a moment after the client has it
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      GitlabCacheIndex.Stats stats = store.stats(project(11)).orElseThrow();
      assertThat(stats.hits()).as("the full GET is a hit; the probe and the tail are not").isEqualTo(1);
      assertThat(stats.bytesUploaded()).isEqualTo(body.length);
      assertThat(stats.bytesDownloaded()).isEqualTo(body.length + 1 + (body.length - 5242880));
    });
  }

  @Test
  void aMissIsNoSuchKeyAndCounted() throws Exception {
    HttpResponse<byte[]> r = download(get(object(12, "absent-protected")).url().toURI(), null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(code(new String(r.body()))).isEqualTo("NoSuchKey");
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/xml");
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(
        () -> assertThat(store.stats(project(12)).orElseThrow().misses()).isEqualTo(1));
    HttpResponse<Void> h = http.send(HttpRequest.newBuilder(head(object(12, "absent-protected")).url().toURI())
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(h.statusCode()).isEqualTo(404);
  }

  @Test
  void theApiShowsEachProjectsCounters() throws Exception {
    String key = object(23, "api-protected");
    upload(put(presigner, BUCKET, key), bytes(1234));
    download(get(key).url().toURI(), null);
    download(get(object(23, "none-protected")).url().toURI(), null);
    String token = Files.readString(home.apiToken()).strip();
    HttpRequest stats = HttpRequest.newBuilder(URI.create(base + "api/v1/gitlab-cache/stats")).build();
    assertThat(http.send(stats, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(stats.uri()).header("Authorization", "Bearer " + token)
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      var mine = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).findParents("project").stream()
          .filter(n -> n.path("project").asText().equals(project(23))).findFirst().orElseThrow();
      assertThat(mine.path("bucket").asText()).isEqualTo(BUCKET);
      assertThat(mine.path("hits").asLong()).isEqualTo(1);
      assertThat(mine.path("misses").asLong()).isEqualTo(1);
      assertThat(mine.path("bytesUploaded").asLong()).isEqualTo(1234);
      assertThat(mine.path("bytesDownloaded").asLong()).isEqualTo(1234);
    });
  }

  @Test
  void aSecondUploadReplacesTheFirstLastWriterWins() throws Exception {
    String key = object(13, "deps-non_protected");
    byte[] first = bytes(100_000);
    byte[] second = bytes(70_000);
    assertThat(upload(put(presigner, BUCKET, key), first).statusCode()).isEqualTo(200);
    assertThat(upload(put(presigner, BUCKET, key), second).statusCode()).isEqualTo(200);
    assertThat(download(get(key).url().toURI(), null).body()).isEqualTo(second);
    assertThat(Files.list(root.root().resolve("gitlab/.tmp")).toList()).as("no upload left behind").isEmpty();
  }

  @Test
  void aUrlSignedWithAnotherSecretIsRefusedAndNothingIsStored() throws Exception {
    String key = object(14, "forged-protected");
    try (S3Presigner forger = presigner("not-the-secret")) {
      HttpResponse<String> r = upload(put(forger, BUCKET, key), bytes(1000));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(code(r.body())).isEqualTo("SignatureDoesNotMatch");
      assertThat(r.body()).doesNotContain(SECRET).doesNotContain("X-Amz-Signature");
    }
    assertThat(objectFile(key)).doesNotExist();
  }

  @Test
  void aTamperedPathOrQueryIsRefused() throws Exception {
    String key = object(15, "mine-protected");
    PresignedRequest url = put(presigner, BUCKET, key);
    URI other = URI.create(url.url().toString().replace("/project/" + project(15) + "/mine-protected",
        "/project/" + project(16) + "/theirs-protected"));
    HttpResponse<String> r = http.send(uploadRequest(other, url).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(10)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(code(r.body())).isEqualTo("SignatureDoesNotMatch");
    assertThat(objectFile(object(16, "theirs-protected"))).doesNotExist();

    URI longer = URI.create(url.url().toString().replace("X-Amz-Expires=3600", "X-Amz-Expires=604800"));
    assertThat(longer).isNotEqualTo(url.url().toURI());
    r = http.send(uploadRequest(longer, url).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(10))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(code(r.body())).isEqualTo("SignatureDoesNotMatch");

    // the signed metadata header is part of the signature too
    HttpRequest.Builder b = HttpRequest.newBuilder(url.url().toURI()).header("x-amz-meta-cachekey", "something-else");
    r = http.send(b.PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(10))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(code(r.body())).isEqualTo("SignatureDoesNotMatch");

    HttpResponse<byte[]> unsigned = download(URI.create(base + BUCKET + "/" + key), null);
    assertThat(unsigned.statusCode()).isEqualTo(403);
    assertThat(code(new String(unsigned.body()))).isEqualTo("AccessDenied");
    assertThat(objectFile(key)).doesNotExist();
  }

  /** The SDK's signer at a chosen time, for what S3Presigner cannot do: URLs signed in the past or the future. */
  URI signedAt(Instant when, Duration lifetime, String key, Map<String, String> extraQuery) {
    URI b = URI.create(base.toString());
    SdkHttpRequest.Builder req = SdkHttpRequest.builder().method(SdkHttpMethod.GET).protocol("http").host(b.getHost())
        .port(b.getPort()).encodedPath("/" + BUCKET + "/" + key);
    extraQuery.forEach(req::appendRawQueryParameter);
    SdkHttpRequest request = req.build();
    return AwsV4HttpSigner.create().sign(s -> s.identity(AwsCredentialsIdentity.create(KEY_ID, SECRET)).request(request)
        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(when, ZoneOffset.UTC))
        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1").putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
        .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4HttpSigner.AuthLocation.QUERY_STRING)
        .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, lifetime)
        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false).putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false))
        .request().getUri();
  }

  @Test
  void expiredAndNotYetValidUrlsAreRefusedAGoStyleOneIsTaken() throws Exception {
    String key = object(17, "timed-protected");
    assertThat(upload(put(presigner, BUCKET, key), bytes(10)).statusCode()).isEqualTo(200);

    HttpResponse<byte[]> expired = download(signedAt(Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1), key,
        Map.of()), null);
    assertThat(expired.statusCode()).isEqualTo(403);
    assertThat(new String(expired.body())).contains("<Code>AccessDenied</Code>").contains("Request has expired");

    HttpResponse<byte[]> future = download(signedAt(Instant.now().plus(Duration.ofHours(1)), Duration.ofHours(1), key,
        Map.of()), null);
    assertThat(future.statusCode()).isEqualTo(403);
    assertThat(new String(future.body())).contains("not yet valid");

    // aws-sdk-go-v2's presigned URLs carry x-id=GetObject, signed like every other parameter
    HttpResponse<byte[]> go = download(signedAt(Instant.now(), Duration.ofMinutes(5), key, Map.of("x-id", "GetObject")),
        null);
    assertThat(go.statusCode()).isEqualTo(200);
  }

  /**
   * curl, not java.net.http: the JDK 17 client waits for ever when a server answers {@code Expect: 100-continue}
   * with a final status. curl sends that header itself for bodies over 1 MiB, and sends chunked from a pipe.
   */
  static String[] curlPut(PresignedRequest url, Path body, boolean chunked, Path out) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "-o", out.toString(), "-w", "%{http_code}",
        "-H", "Content-Type: application/octet-stream"));
    url.signedHeaders().forEach((k, vs) -> {
      if (!k.equalsIgnoreCase("host")) {
        vs.forEach(v -> cmd.addAll(List.of("-H", k + ": " + v)));
      }
    });
    cmd.addAll(List.of("-T", chunked ? "-" : body.toString(), url.url().toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    if (chunked) {
      pb.redirectInput(body.toFile());
    }
    Process p = pb.start();
    String status = new String(p.getInputStream().readAllBytes()).strip();
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return new String[] {status, Files.exists(out) ? Files.readString(out) : "", err};
  }

  @Test
  void anOversizeUploadIsRefusedAndNothingIsKept(@TempDir Path dir) throws Exception {
    String key = object(18, "huge-protected");
    Path body = Files.write(dir.resolve("cache.zip"), bytes(6 * 1024 * 1024 + 1));
    PresignedRequest url = put(presigner, BUCKET, key);
    String[] declared = curlPut(url, body, false, dir.resolve("declared.xml"));
    assertThat(declared[0]).as(declared[2]).isEqualTo("400");
    assertThat(code(declared[1])).isEqualTo("EntityTooLarge");

    // without a length (chunked) the limit is met while the bytes arrive; curl may see the answer or a closed
    // connection, but nothing may be kept either way
    String[] chunked = curlPut(url, body, true, dir.resolve("chunked.xml"));
    assertThat(chunked[0]).as(chunked[2]).isIn("400", "000");
    assertThat(objectFile(key)).doesNotExist();
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      try (Stream<Path> left = Files.list(root.root().resolve("gitlab/.tmp"))) {
        assertThat(left.toList()).as("the temp file goes when its handle is closed, on the event loop").isEmpty();
      }
    });

    // just under the limit is fine, through the same curl
    Files.write(body, bytes(6 * 1024 * 1024));
    String[] fits = curlPut(url, body, true, dir.resolve("fits.xml"));
    assertThat(fits[0]).as(fits[2] + fits[1]).isEqualTo("200");
    assertThat(Files.size(objectFile(key))).isEqualTo(6 * 1024 * 1024);
  }

  @Test
  void anotherBucketIsNoSuchBucket() throws Exception {
    HttpResponse<String> r = upload(put(presigner, "someone-elses", object(19, "k-protected")), bytes(10));
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(code(r.body())).isEqualTo("NoSuchBucket");
    // the bridge's own routes are not S3's
    assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "q/health")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
  }

  @Test
  void objectNamesThatClimbOutAreRefused() throws Exception {
    Path outside = root.root().resolve("gitlab/escaped-protected");
    for (String key : List.of("runner/t/project/" + project(20) + "/../../../../escaped-protected",
        "runner/t/project/" + project(20) + "/%2E%2E/%2E%2E/%2E%2E/%2E%2E/escaped-protected", "no-project-here")) {
      HttpResponse<String> r = upload(put(presigner, BUCKET, key), bytes(10));
      assertThat(r.statusCode()).as(key).isEqualTo(400);
      assertThat(code(r.body())).as(key).isEqualTo("InvalidArgument");
    }
    assertThat(outside).doesNotExist();
  }

  @Test
  void overTheProjectQuotaTheLeastRecentlyUsedObjectGoes() throws Exception {
    // %test quota: 8 MiB per project
    byte[] a = bytes(3 << 20);
    byte[] b = bytes(3 << 20);
    byte[] c = bytes(3 << 20);
    assertThat(upload(put(presigner, BUCKET, object(21, "a-protected")), a).statusCode()).isEqualTo(200);
    Thread.sleep(20);
    assertThat(upload(put(presigner, BUCKET, object(21, "b-protected")), b).statusCode()).isEqualTo(200);
    Thread.sleep(20);
    assertThat(download(get(object(21, "a-protected")).url().toURI(), null).body()).isEqualTo(a); // a is used again
    // a second runner's namespace, same project: one quota
    assertThat(upload(put(presigner, BUCKET, "runner/0th3r/project/" + project(21) + "/c-protected"), c).statusCode()).isEqualTo(200);

    assertThat(objectFile(object(21, "b-protected"))).doesNotExist();
    assertThat(download(get(object(21, "b-protected")).url().toURI(), null).statusCode()).isEqualTo(404);
    assertThat(download(get(object(21, "a-protected")).url().toURI(), null).body()).isEqualTo(a);
    assertThat(download(get("runner/0th3r/project/" + project(21) + "/c-protected").url().toURI(), null).body()).isEqualTo(c);
  }

  @Test
  void theSecretNeverReachesTheLog() throws Exception {
    try (S3Presigner forger = presigner("wrong")) {
      upload(put(forger, BUCKET, object(22, "x-protected")), bytes(10));
    }
    upload(put(presigner, BUCKET, object(22, "y-protected")), bytes(10));
    String log = Files.readString(Path.of("target/cde-test.log"));
    assertThat(log).contains("gitlab cache:").doesNotContain(SECRET).doesNotContain("X-Amz-Signature");
  }
}
