package dev.cde.bridge.problem;

/** The request is malformed or a value is out of range (400). */
public class InvalidRequestException extends ApiException {
  public InvalidRequestException(String detail) {
    super(400, "Invalid request", detail);
  }
}
