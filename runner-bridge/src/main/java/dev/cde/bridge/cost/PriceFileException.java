package dev.cde.bridge.cost;

/** A price file the bridge cannot use; the message names the file and, where there is one, the field. */
public class PriceFileException extends RuntimeException {
  private final String file;
  private final String field;

  public PriceFileException(String file, String field, String problem) {
    super("prices file " + file + ": " + (field == null ? "" : field + ": ") + problem);
    this.file = file;
    this.field = field;
  }

  public String file() {
    return file;
  }

  public String field() {
    return field;
  }
}
