package dev.cde.bridge.cache.gitlab;

import java.io.StringWriter;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * An error as S3 answers it: an HTTP status and an {@code <Error>} document with S3's code, which is what S3
 * clients (and a person reading gitlab-runner's helper output) look at. Messages never hold a URL's query string.
 */
public final class S3Error extends Exception {
  private final int status;
  private final String code;

  public S3Error(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  static S3Error noSuchKey() {
    return new S3Error(404, "NoSuchKey", "The specified key does not exist.");
  }

  static S3Error noSuchBucket(String bucket) {
    return new S3Error(404, "NoSuchBucket", "The specified bucket does not exist: " + bucket);
  }

  static S3Error accessDenied(String message) {
    return new S3Error(403, "AccessDenied", message);
  }

  static S3Error invalidArgument(String message) {
    return new S3Error(400, "InvalidArgument", message);
  }

  /** The XML body; {@code resource} is the request's path (never its query, which holds the signature). */
  public String toXml(String resource, String requestId) {
    try {
      StringWriter out = new StringWriter();
      XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
      w.writeStartDocument("UTF-8", "1.0");
      w.writeStartElement("Error");
      element(w, "Code", code);
      element(w, "Message", getMessage());
      element(w, "Resource", resource);
      element(w, "RequestId", requestId);
      w.writeEndElement();
      w.writeEndDocument();
      w.close();
      return out.toString();
    } catch (XMLStreamException e) {
      throw new IllegalStateException("cannot write an S3 error document", e);
    }
  }

  private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
    w.writeStartElement(name);
    // XML 1.0 cannot carry most control characters, even escaped; an object name with one is refused anyway.
    w.writeCharacters(text.replaceAll("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]", "?"));
    w.writeEndElement();
  }
}
