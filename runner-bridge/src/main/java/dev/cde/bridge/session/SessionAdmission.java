package dev.cde.bridge.session;

/**
 * Decides, before anything is stored or launched, whether a session asked for through the API may start. Features
 * such as budgets implement it, so the session package need not know them.
 */
public interface SessionAdmission {
  /**
   * Throws an {@link dev.cde.bridge.problem.ApiException} (its status and detail reach the client) when a session
   * for {@code repository} (its cache scope's; null when it named none) may not start now.
   */
  void admit(String repository);
}
