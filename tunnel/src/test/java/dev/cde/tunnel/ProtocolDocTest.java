package dev.cde.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.FrameType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/protocol.md lists exactly the frame types and error codes the codec knows, with the same numbers. */
class ProtocolDocTest {
  private static final Path DOC = Path.of(System.getProperty("user.dir"), "..", "docs", "protocol.md").normalize();

  @Test
  void frameTableMatchesFrameType() throws IOException {
    List<List<String>> rows = table("| type | code | channel | payload | notes |");
    Map<String, Integer> documented = new LinkedHashMap<>();
    for (List<String> row : rows) {
      assertThat(row.get(1)).as("code of " + row.get(0) + " written as 0xNN").matches("0x[0-9A-F]{2}");
      assertThat(documented.put(row.get(0), Integer.parseInt(row.get(1).substring(2), 16)))
          .as("duplicate row " + row.get(0)).isNull();
    }
    Map<String, Integer> code = Arrays.stream(FrameType.values())
        .collect(Collectors.toMap(Enum::name, t -> t.code, (a, b) -> a, LinkedHashMap::new));
    assertThat(documented).containsExactlyEntriesOf(code);
  }

  @Test
  void errorCodeTableMatchesErrorCode() throws IOException {
    List<List<String>> rows = table("| name | code | WebSocket close status | when |");
    Map<String, String> documented = new LinkedHashMap<>();
    for (List<String> row : rows) {
      assertThat(documented.put(row.get(0), row.get(1) + "/" + row.get(2))).as("duplicate row " + row.get(0)).isNull();
    }
    Map<String, String> code = Arrays.stream(ErrorCode.values())
        .collect(Collectors.toMap(Enum::name, e -> e.code + "/" + e.closeStatus, (a, b) -> a, LinkedHashMap::new));
    assertThat(documented).containsExactlyEntriesOf(code);
  }

  @Test
  void limitsInTheDocMatchTheCodec() throws IOException {
    String doc = Files.readString(DOC);
    assertThat(doc).contains("`MAX_DATA_PAYLOAD` = 32 KiB (" + String.format("%,d", dev.cde.tunnel.codec.FrameCodec.MAX_DATA_PAYLOAD).replace(',', ' ') + " bytes)");
    assertThat(doc).contains("`MAX_CONTROL_PAYLOAD` = 16 KiB (" + String.format("%,d", dev.cde.tunnel.codec.FrameCodec.MAX_CONTROL_PAYLOAD).replace(',', ' ') + " bytes)");
    assertThat(doc).contains("`MAX_MESSAGE` = 256 KiB (" + String.format("%,d", dev.cde.tunnel.codec.FrameCodec.MAX_MESSAGE).replace(',', ' ') + " bytes)");
    assertThat(doc).contains("`INITIAL_WINDOW` = " + TunnelOptions.INITIAL_WINDOW / 1024 + " KiB");
  }

  @Test
  void resumeSectionMatchesTheCode() throws IOException {
    String doc = Files.readString(DOC);
    assertThat(doc).contains("`replayBufferCap`, " + new TunnelOptions().replayBufferCap() / (1024 * 1024) + " MiB by default");
    String sequenced = Arrays.stream(FrameType.values()).filter(FrameType::sequenced).map(Enum::name)
        .collect(Collectors.joining(", "));
    String unsequenced = Arrays.stream(FrameType.values()).filter(t -> !t.sequenced()).map(Enum::name)
        .collect(Collectors.joining(", "));
    assertThat(doc.replaceAll("\\s+", " ")).contains("Every other frame is **sequenced** (see \"Resume\"): " + sequenced + ".")
        .contains("Session frames (" + unsequenced + ") are sent on channel 0");
  }

  /** The body rows of the markdown table whose header line is {@code header}, cells trimmed, backticks removed. */
  private static List<List<String>> table(String header) throws IOException {
    List<String> lines = Files.readAllLines(DOC);
    int start = lines.indexOf(header);
    assertThat(start).as("table with header '" + header + "' in " + DOC).isNotNegative();
    assertThat(lines.get(start + 1)).as("separator row").matches("\\|[-| :]+\\|");
    List<List<String>> rows = new ArrayList<>();
    for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String line = lines.get(i);
      List<String> cells = Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1))
          .map(c -> c.replace("`", "").strip()).toList();
      rows.add(cells);
    }
    assertThat(rows).as("rows of '" + header + "'").isNotEmpty();
    return rows;
  }
}
