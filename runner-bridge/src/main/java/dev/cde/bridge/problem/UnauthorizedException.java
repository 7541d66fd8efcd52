package dev.cde.bridge.problem;

/** Missing or wrong API token (401). */
public class UnauthorizedException extends ApiException {
  public UnauthorizedException(String detail) {
    super(401, "Unauthorized", detail);
  }
}
