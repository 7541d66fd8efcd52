package dev.cde.cli.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tar of cde cache: what TarWriter writes, commons-compress and GNU tar read as written; what they write
 * (the archives of earlier cde versions among it), TarReader reads; and what is not a tar it refuses.
 */
class TarCodecTest {
  /** Fits the name field; needs the prefix field; fits no ustar field (pax); not ASCII (pax). */
  private static final String SHORT = "0/org/x/x.jar";
  private static final String PREFIXED = "0/" + "org/springframework/boot/spring-boot-autoconfigure/3.2.0/".repeat(2)
      + "spring-boot-autoconfigure-3.2.0.jar.sha1";
  private static final String PAX = "0/" + "a".repeat(150) + "/" + "b".repeat(120);
  private static final String UNICODE = "0/dépendances/日本/ü.txt";
  private static final String LONG_LINK = "../" + "c".repeat(120);

  @TempDir
  Path tmp;

  private static byte[] written() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarWriter w = new TarWriter(out, 4096);
    w.directory("0", 0755, 1_700_000_000L);
    w.file(SHORT, 0644, 1_700_000_001L, "short".getBytes(StandardCharsets.UTF_8));
    w.file(PREFIXED, 0600, 1_700_000_002L, "prefixed".getBytes(StandardCharsets.UTF_8));
    w.file(PAX, 0755, 1_700_000_003L, new byte[0]);
    byte[] big = new byte[10_000];
    new Random(1).nextBytes(big);
    w.file(UNICODE, 0644, 1_700_000_004L, big.length, new ByteArrayInputStream(big));
    w.symlink("0/link", LONG_LINK, 1_700_000_005L);
    w.finish();
    return out.toByteArray();
  }

  @Test
  void whatItWritesReadsBackAndCommonsCompressReadsTheSame() throws Exception {
    byte[] tar = written();
    List<String> ours = new ArrayList<>();
    TarReader r = new TarReader(new ByteArrayInputStream(tar), 1024);
    TarReader.Entry e;
    while ((e = r.next()) != null) {
      byte[] content = new byte[(int) e.size()];
      r.readFully(content);
      ours.add(e.type() + " " + e.name() + " " + Integer.toOctalString(e.mode()) + " " + e.mtime() + " "
          + content.length + " " + e.linkName());
    }
    List<String> theirs = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
      TarArchiveEntry t;
      while ((t = in.getNextEntry()) != null) {
        byte[] content = in.readAllBytes();
        char type = t.isDirectory() ? '5' : t.isSymbolicLink() ? '2' : '0';
        theirs.add(type + " " + t.getName() + " " + Integer.toOctalString(t.getMode() & 07777) + " "
            + t.getLastModifiedTime().to(TimeUnit.SECONDS) + " " + content.length + " " + t.getLinkName());
      }
    }
    assertThat(ours).containsExactly(
        "5 0/ 755 1700000000 0 ",
        "0 " + SHORT + " 644 1700000001 5 ",
        "0 " + PREFIXED + " 600 1700000002 8 ",
        "0 " + PAX + " 755 1700000003 0 ",
        "0 " + UNICODE + " 644 1700000004 10000 ",
        "2 0/link 777 1700000005 0 " + LONG_LINK);
    assertThat(theirs).isEqualTo(ours);
  }

  @Test
  void gnuTarListsWhatItWritesAndItReadsWhatGnuTarWrites() throws Exception {
    assumeThat(onPath("tar")).as("GNU tar on the PATH").isTrue();
    Path archive = Files.write(tmp.resolve("ours.tar"), written());
    Process list = new ProcessBuilder("tar", "-tf", archive.toString()).redirectErrorStream(true).start();
    String listed = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(list.waitFor()).as(listed).isZero();
    assertThat(listed.lines()).containsExactly("0/", SHORT, PREFIXED, PAX, UNICODE, "0/link");

    // GNU tar's own formats, as a hand-made or older archive could be: pax (long names in records) and gnu.
    Path src = Files.createDirectories(tmp.resolve("src/" + "d".repeat(120) + "/ü"));
    Files.writeString(src.resolve("f.txt"), "gnu");
    for (String format : List.of("posix", "gnu", "ustar")) {
      Path gnu = tmp.resolve(format + ".tar");
      List<String> cmd = List.of("tar", "--format=" + format, "-cf", gnu.toString(), "-C", tmp.resolve("src").toString(),
          "d".repeat(120) + "/ü/f.txt");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        assertThat(format).as("only ustar may refuse a name this long: " + out).isEqualTo("ustar");
        continue;
      }
      TarReader r = new TarReader(Files.newInputStream(gnu), 512);
      TarReader.Entry e = r.next();
      if (format.equals("gnu")) {
        // GNU's long-name entries ('L') are not cde's format: handed over as such, for the caller to refuse
        assertThat(e.type()).isEqualTo('L');
        continue;
      }
      assertThat(e.name()).isEqualTo("d".repeat(120) + "/ü/f.txt");
      byte[] content = new byte[(int) e.size()];
      r.readFully(content);
      assertThat(new String(content, StandardCharsets.UTF_8)).isEqualTo("gnu");
      assertThat(r.next()).isNull();
    }
  }

  @Test
  void archivesOfEarlierVersionsWithAPaxHeaderPerEntryRead() throws Exception {
    // cde 0.1 wrote with commons-compress: a pax header per entry for sub-second times, the mode with type bits.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      TarArchiveEntry e = new TarArchiveEntry(PAX);
      e.setModTime(java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_789)));
      e.setMode(0100640);
      e.setSize(3);
      t.putArchiveEntry(e);
      t.write(new byte[] {1, 2, 3});
      t.closeArchiveEntry();
    }
    TarReader r = new TarReader(new ByteArrayInputStream(out.toByteArray()), 512);
    TarReader.Entry e = r.next();
    assertThat(e.name()).isEqualTo(PAX);
    assertThat(e.mode()).isEqualTo(0640);
    assertThat(e.mtime()).isEqualTo(1_700_000_000L);
    byte[] content = new byte[3];
    r.readFully(content);
    assertThat(content).containsExactly(1, 2, 3);
    assertThat(r.next()).isNull();
  }

  @Test
  void whatIsNotATarOrIsCutShortIsRefused() throws Exception {
    byte[] garbage = new byte[2048];
    new Random(2).nextBytes(garbage);
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(garbage), 512).next())
        .isInstanceOf(IOException.class).hasMessageContaining("checksum");

    byte[] tar = written();
    byte[] cut = java.util.Arrays.copyOf(tar, 512 * 6 + 100); // inside the 10,000-byte file
    TarReader r = new TarReader(new ByteArrayInputStream(cut), 512);
    assertThatThrownBy(() -> {
      TarReader.Entry e;
      while ((e = r.next()) != null) {
        r.readFully(new byte[(int) e.size()]);
      }
    }).isInstanceOf(EOFException.class);

    // A file that shrank after it was listed: the entry cannot be written whole, so the save fails.
    TarWriter w = new TarWriter(new ByteArrayOutputStream(), 512);
    assertThatThrownBy(() -> w.file("0/f", 0644, 0, 10, new ByteArrayInputStream(new byte[4])))
        .isInstanceOf(EOFException.class).hasMessageContaining("changed while saved");
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
