/**
 * Serves GitHub jobs with JIT runners: counts what each label set needs, starts runners on sessions, pairs them
 * with jobs as GitHub reports, ends them, and repairs lost webhooks. Knows providers only through sessions.
 */
package dev.cde.bridge.github.runners;
