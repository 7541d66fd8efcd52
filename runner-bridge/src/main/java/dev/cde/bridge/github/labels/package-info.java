/**
 * The {@code runs-on} label grammar: which jobs ask for cde, and the instance spec their labels describe.
 * Pure parsing; must not touch HTTP, the database, sessions or GitHub's API.
 */
package dev.cde.bridge.github.labels;
