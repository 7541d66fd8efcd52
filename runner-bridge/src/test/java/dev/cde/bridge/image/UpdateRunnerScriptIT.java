package dev.cde.bridge.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * function-image/update-runner.sh run for real (bash, curl, tar, sha256sum) on a copy of the Containerfile and
 * a fake runner tarball; "downloads" come from file:// URLs laid out as GitHub's release downloads and
 * releases API are, so nothing needs the internet.
 */
class UpdateRunnerScriptIT {
  static final String VERSION = "2.999.0";
  static final String NAME = "actions-runner-linux-x64-" + VERSION + ".tar.gz";

  @TempDir
  Path tmp;
  Path containerfile;
  Path tarball;
  String sha;

  record Run(int exit, String output) {
  }

  @BeforeEach
  void fakeRunnerRelease() throws Exception {
    containerfile = Files.copy(Containerfile.FILE, tmp.resolve("Containerfile"));
    tarball = fakeTarball("pkg", "run.sh", "config.sh", "bin/Runner.Listener");
    sha = sha256(tarball);
  }

  @Test
  void pinsAVerifiedTarballAndChangesNothingElse() throws Exception {
    Run r = run("--tarball", tarball.toString(), "--sha256", sha, "--containerfile", containerfile.toString(), VERSION);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("matches the published checksum").contains("-> " + VERSION);
    assertPinned(VERSION, sha);
  }

  @Test
  void downloadsTheTarballAndReadsTheChecksumFromTheReleaseNotes() throws Exception {
    Path downloads = Files.createDirectories(tmp.resolve("downloads/v" + VERSION));
    Files.copy(tarball, downloads.resolve(NAME));
    Path api = Files.createDirectories(tmp.resolve("api/repos/actions/runner/releases/tags"));
    // The release body as the API returns it: a JSON string, other packages' checksums listed first.
    Files.writeString(api.resolve("v" + VERSION), "{\"tag_name\":\"v" + VERSION + "\",\"body\":\"## SHA-256 Checksums"
        + "\\r\\n\\r\\n- actions-runner-linux-arm64-" + VERSION + ".tar.gz <!-- BEGIN SHA linux-arm64 -->" + "b".repeat(64)
        + "<!-- END SHA linux-arm64 -->\\r\\n- " + NAME + " <!-- BEGIN SHA linux-x64 -->" + sha
        + "<!-- END SHA linux-x64 -->\\r\\n\"}");
    Run r = run("--base-url", tmp.resolve("downloads").toUri().toString(), "--api-url", tmp.resolve("api").toUri().toString(),
        "--containerfile", containerfile.toString(), "v" + VERSION);
    assertThat(r.exit()).as(r.output()).isZero();
    assertPinned(VERSION, sha);
  }

  @Test
  void readsTheChecksumFromSavedReleaseNotes() throws Exception {
    Path notes = Files.writeString(tmp.resolve("notes.md"), "## SHA-256 Checksums\n\n- " + NAME
        + " <!-- BEGIN SHA linux-x64 -->" + sha.toUpperCase() + "<!-- END SHA linux-x64 -->\n");
    Run r = run("--tarball", tarball.toString(), "--notes", notes.toString(), "--containerfile", containerfile.toString(),
        VERSION);
    assertThat(r.exit()).as(r.output()).isZero();
    assertPinned(VERSION, sha);
  }

  @Test
  void aRunnerListingThousandsOfFilesIsRecognised() throws Exception {
    // The real tarball lists thousands of files (externals/node*, the .NET runtime): far more than a pipe holds.
    List<String> files = new ArrayList<>(List.of("run.sh", "config.sh", "bin/Runner.Listener"));
    for (int i = 0; i < 4000; i++) {
      files.add("externals/node24/lib/node_modules/a-module-with-a-long-name-" + i + "/index.js");
    }
    Path big = fakeTarball("big", files.toArray(String[]::new));
    String bigSha = sha256(big);
    Run r = run("--tarball", big.toString(), "--sha256", bigSha, "--containerfile", containerfile.toString(), VERSION);
    assertThat(r.exit()).as(r.output()).isZero();
    assertPinned(VERSION, bigSha);
  }

  @Test
  void aMismatchLeavesTheContainerfileAlone() throws Exception {
    String before = Files.readString(containerfile);
    String other = "0".repeat(64);
    Run r = run("--tarball", tarball.toString(), "--sha256", other, "--containerfile", containerfile.toString(), VERSION);
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("checksum mismatch for " + NAME + ": published " + other + ", file " + sha);

    Path notes = Files.writeString(tmp.resolve("notes.md"), "- " + NAME + " (no checksum here)\n");
    Run noSum = run("--tarball", tarball.toString(), "--notes", notes.toString(), "--containerfile",
        containerfile.toString(), VERSION);
    assertThat(noSum.exit()).isNotZero();
    assertThat(noSum.output()).contains("has no 'BEGIN SHA linux-x64' checksum");
    assertThat(Files.readString(containerfile)).isEqualTo(before);
  }

  @Test
  void onlyARunnerPackageIsPinned() throws Exception {
    String before = Files.readString(containerfile);
    Path notARunner = fakeTarball("other", "run.sh", "config.sh");
    Run r = run("--tarball", notARunner.toString(), "--sha256", sha256(notARunner), "--containerfile",
        containerfile.toString(), VERSION);
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("has no bin/Runner.Listener: not an Actions runner package");

    Path html = Files.writeString(tmp.resolve("error.tar.gz"), "<html>rate limited</html>");
    Run page = run("--tarball", html.toString(), "--sha256", sha256(html), "--containerfile", containerfile.toString(),
        VERSION);
    assertThat(page.exit()).isNotZero();
    assertThat(page.output()).contains("is not a gzip'd tar archive");
    assertThat(Files.readString(containerfile)).isEqualTo(before);
  }

  @Test
  void aChecksumIsRequiredUnlessExplicitlyWaived() throws Exception {
    String before = Files.readString(containerfile);
    Run r = run("--tarball", tarball.toString(), "--api-url", tmp.resolve("no-api").toUri().toString(),
        "--containerfile", containerfile.toString(), VERSION);
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("could not read the release notes of v" + VERSION);
    assertThat(Files.readString(containerfile)).isEqualTo(before);

    Run waived = run("--tarball", tarball.toString(), "--unverified", "--containerfile", containerfile.toString(),
        VERSION);
    assertThat(waived.exit()).as(waived.output()).isZero();
    assertThat(waived.output()).contains("WARNING: no published checksum");
    assertPinned(VERSION, sha);
  }

  @Test
  void refusesWhatIsNotAVersion() throws Exception {
    for (String bad : List.of("latest", "2.338", "2.338.0-rc1", "")) {
      Run r = run("--tarball", tarball.toString(), "--sha256", sha, "--containerfile", containerfile.toString(), bad);
      assertThat(r.exit()).as("version '%s'", bad).isNotZero();
    }
    Run help = run("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.output()).contains("usage: update-runner.sh");
  }

  private void assertPinned(String version, String sha256) throws IOException {
    assertThat(Containerfile.parse(Files.readString(containerfile)).args())
        .containsEntry("RUNNER_VERSION", version).containsEntry("RUNNER_SHA256", sha256);
    List<String> before = Files.readAllLines(Containerfile.FILE);
    List<String> after = Files.readAllLines(containerfile);
    assertThat(after).hasSameSizeAs(before);
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < before.size(); i++) {
      if (!before.get(i).equals(after.get(i))) {
        changed.add(after.get(i));
      }
    }
    assertThat(changed).containsExactlyInAnyOrder("ARG RUNNER_VERSION=" + version, "ARG RUNNER_SHA256=" + sha256);
  }

  private Path fakeTarball(String name, String... files) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String f : files) {
      Path p = dir.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "#!/bin/sh\necho fake " + f + "\n");
    }
    Path out = tmp.resolve(name + ".tar.gz");
    Process p = new ProcessBuilder("tar", "-czf", out.toString(), "-C", dir.toString(), ".").inheritIO().start();
    assertThat(p.waitFor()).isZero();
    return out;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private Run run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", Containerfile.DIR.resolve("update-runner.sh").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TMPDIR", tmp.toString());
    pb.environment().remove("RUNNER_BASE_URL");
    pb.environment().remove("GITHUB_API_URL");
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("update-runner.sh finished").isTrue();
    return new Run(p.exitValue(), out);
  }
}
