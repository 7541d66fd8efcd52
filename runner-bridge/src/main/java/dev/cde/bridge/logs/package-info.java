/**
 * Session logs: what a session's long-running process (the Actions runner, a GitLab job) printed, kept in
 * one file per session under the bridge's home, and served by {@code GET /api/v1/sessions/{id}/logs} so that
 * {@code cde logs} and the dashboard can show it during the job and after the instance is gone. Knows
 * sessions only through the broker's lookups and the {@code SessionEnded} event; never touches tunnels.
 */
package dev.cde.bridge.logs;
