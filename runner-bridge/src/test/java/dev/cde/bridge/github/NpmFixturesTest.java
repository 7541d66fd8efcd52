package dev.cde.bridge.github;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The rule for missing npm fixtures: skipped on a developer's machine, failed in CI, the fix named either way. */
class NpmFixturesTest {
  @Test
  void missingFixturesSkipOutsideCiAndFailInCi() {
    assertThatThrownBy(() -> NpmFixtures.missing("x not found", false)).isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("x not found").hasMessageContaining("npm ci").hasMessageContaining("Skipped");
    assertThatThrownBy(() -> NpmFixtures.missing("x not found", true)).isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("x not found").hasMessageContaining("npm ci").hasMessageContaining("CI=true");
  }
}
