package dev.cde.bridge.image;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * function-image/Containerfile read as instructions: continuation lines joined with one space, comments dropped,
 * spaces within a line kept.
 */
record Containerfile(List<Instruction> instructions) {
  static final Path ROOT = Path.of(System.getProperty("cde.root", "..")).toAbsolutePath().normalize();
  static final Path DIR = ROOT.resolve("function-image");
  static final Path FILE = DIR.resolve("Containerfile");

  record Instruction(String keyword, String args) {
  }

  static Containerfile read() throws IOException {
    return parse(Files.readString(FILE));
  }

  static Containerfile parse(String text) {
    List<Instruction> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String l = line.strip();
      if (l.startsWith("#") || (l.isEmpty() && current.isEmpty())) {
        continue;
      }
      boolean continued = l.endsWith("\\");
      current.append(continued ? l.substring(0, l.length() - 1).strip() : l).append(' ');
      if (!continued) {
        String ins = current.toString().strip();
        current.setLength(0);
        if (!ins.isEmpty()) {
          int sp = ins.indexOf(' ');
          out.add(new Instruction(ins.substring(0, sp).toUpperCase(), ins.substring(sp + 1)));
        }
      }
    }
    return new Containerfile(out);
  }

  List<String> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).toList();
  }

  /** ARG defaults, wherever declared (the pins are declared once, before the first FROM). */
  Map<String, String> args() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String a : all("ARG")) {
      int eq = a.indexOf('=');
      if (eq > 0) {
        out.put(a.substring(0, eq), a.substring(eq + 1));
      }
    }
    return out;
  }

  /** The instructions of the last stage, the image itself. */
  Containerfile finalStage() {
    int last = 0;
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).keyword().equals("FROM")) {
        last = i;
      }
    }
    return new Containerfile(instructions.subList(last, instructions.size()));
  }

  List<String> entrypoint() throws IOException {
    List<String> e = all("ENTRYPOINT");
    if (e.size() != 1) {
      throw new IllegalStateException("expected one ENTRYPOINT, found " + e);
    }
    return new ObjectMapper().readValue(e.get(0), new TypeReference<List<String>>() {
    });
  }
}
