package dev.cde.bridge.cost.budget;

import java.util.Locale;

/**
 * What a budget or cap covers: one repository ({@code repo:owner/name}), everything under an owner or group
 * ({@code org:owner}, any depth: {@code org:gitlab.example.com/group} covers that group's projects), or all ({@code *}).
 * A session's repository is its GitHub job's, else its cache scope's; a session with none falls under {@code *} only.
 * Case-insensitive, as GitHub compares names.
 */
public record BudgetScope(String text, Kind kind, String name) {
  public enum Kind { ALL, ORG, REPO }

  public static BudgetScope parse(String text) {
    String t = text == null ? "" : text.strip();
    if (t.equals("*")) {
      return new BudgetScope(t, Kind.ALL, null);
    }
    if (t.startsWith("repo:") && t.indexOf('/') > 5 && !t.endsWith("/")) {
      return new BudgetScope(t, Kind.REPO, t.substring(5).toLowerCase(Locale.ROOT));
    }
    if (t.startsWith("org:") && t.length() > 4 && !t.endsWith("/")) {
      return new BudgetScope(t, Kind.ORG, t.substring(4).toLowerCase(Locale.ROOT));
    }
    throw new IllegalArgumentException("scope '" + t + "' is not repo:owner/name, org:owner or *");
  }

  /** Whether a session of {@code repository} (null: none known) falls under this scope. */
  public boolean covers(String repository) {
    if (kind == Kind.ALL) {
      return true;
    }
    if (repository == null) {
      return false;
    }
    String r = repository.toLowerCase(Locale.ROOT);
    return kind == Kind.REPO ? r.equals(name) : r.startsWith(name + "/");
  }

  /** Higher is narrower: a repository over an owner (a deeper group over its parent) over everything. */
  int specificity() {
    return switch (kind) {
      case ALL -> 0;
      case ORG -> 1 + name.length();
      case REPO -> Integer.MAX_VALUE;
    };
  }

  @Override
  public String toString() {
    return text;
  }
}
