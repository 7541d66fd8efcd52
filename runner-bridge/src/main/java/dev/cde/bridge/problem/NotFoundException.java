package dev.cde.bridge.problem;

/** The addressed resource does not exist (404). */
public class NotFoundException extends ApiException {
  public NotFoundException(String detail) {
    super(404, "Not found", detail);
  }
}
